"""template.yaml's dashboard on AWS: a private bucket, CloudFront in front, and the API's CORS for it.

What AWS runs is checked as AWS gets it: the SAM transform `sam deploy` applies (aws-sam-translator), and the
CloudFront Function's code run by Node (CloudFront Functions are JavaScript).
"""
from __future__ import annotations

import json
import subprocess
from typing import Any

import networkx as nx
import pytest

from infra.local.template import Resolver
from tests.support.sam import TEMPLATE, dependency_graph, transformed

# One worker runs every test of the SAM transform (13-17 s each, cached per process): once, not once per worker.
pytestmark = pytest.mark.xdist_group("sam-transform")

RESOURCES = TEMPLATE["Resources"]
# The dashboard's origin as the template computes it: the DashboardOrigin parameter, or the distribution's domain
# (with no dashboard: none for the functions, a reserved origin no page can have for API Gateway's CORS).
ORIGIN = {"Fn::If": ["HasDashboardOrigin", {"Ref": "DashboardOrigin"},
                     {"Fn::If": ["HasDashboard", {"Fn::Sub": "https://${DashboardDistribution.DomainName}"}, ""]}]}
CORS_ORIGIN = {"Fn::If": ["HasDashboardOrigin", {"Ref": "DashboardOrigin"},
                          {"Fn::If": ["HasDashboard", {"Fn::Sub": "https://${DashboardDistribution.DomainName}"},
                                      "https://no-dashboard.invalid"]}]}


@pytest.fixture
def sam() -> dict[str, Any]:
    """The CloudFormation template the SAM transform makes of template.yaml."""
    return transformed()


def test_the_bucket_is_private_and_readable_only_by_the_distribution() -> None:
    # Given the dashboard's bucket and its policy
    bucket = RESOURCES["DashboardBucket"]["Properties"]
    statements = RESOURCES["DashboardBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    # Then nothing public is possible, ACLs are off, and the one reader is this distribution, under app/ only
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allows[0]["Action"] == "s3:GetObject"
    assert allows[0]["Resource"] == {"Fn::Sub": "${DashboardBucket.Arn}/app/*"}
    source = allows[0]["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${DashboardDistribution}")
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_distribution_serves_the_app_over_https_with_its_fallback() -> None:
    # Given the distribution
    config = RESOURCES["DashboardDistribution"]["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    # Then it reaches the bucket through Origin Access Control, never an identity or public website
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["DashboardOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = RESOURCES["DashboardOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")
    # And viewers are sent to HTTPS, replies compressed, with the security headers and the path function
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https" and behavior["Compress"] is True
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "DashboardResponseHeadersPolicy"}
    (function,) = behavior["FunctionAssociations"]
    assert function["EventType"] == "viewer-request"
    assert config["DefaultRootObject"] == "app/index.html"
    # And a key the bucket lacks is the app's route: its index.html with 200, not cached as an error
    fallback = {(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"], e["ErrorCachingMinTTL"])
                for e in config["CustomErrorResponses"]}
    assert fallback == {(403, 200, "/app/index.html", 0), (404, 200, "/app/index.html", 0)}


def _csp(parameters: dict[str, str]) -> dict[str, list[str]]:
    policy = RESOURCES["DashboardResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    resolver = Resolver(TEMPLATE, {"JwtSecret": "j" * 40, **parameters}, region="eu-west-1")
    text = resolver.resolve(policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = [d.split() for d in str(text).split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_the_content_security_policy_lets_the_app_reach_only_its_api() -> None:
    # Given the stack in a region, without and with a custom API domain
    plain = _csp({})
    custom = _csp({"PublicBaseUrl": "https://api.example.com/v1"})
    # Then scripts come from the app alone and the page cannot be framed
    assert plain["script-src"] == ["'self'"] and plain["default-src"] == ["'self'"]
    assert plain["frame-ancestors"] == ["'none'"] and plain["object-src"] == ["'none'"]
    # And it may call API Gateway's HTTP and WebSocket APIs of its region, and the custom domain when there is one
    assert plain["connect-src"] == ["'self'", "https://*.execute-api.eu-west-1.amazonaws.com",
                                    "wss://*.execute-api.eu-west-1.amazonaws.com"]
    assert custom["connect-src"][3:] == ["https://api.example.com", "wss://api.example.com"]


def test_every_api_path_answers_the_dashboards_preflight(sam: dict[str, Any]) -> None:
    # Given the REST API as the SAM transform writes it
    body = sam["Resources"]["LeadPilotApi"]["Properties"]["Body"]
    expected_origin = {"Fn::Sub": ["'${Origin}'", {"Origin": CORS_ORIGIN}]}
    for path, methods in body["paths"].items():
        # When a browser sends its preflight (OPTIONS) for any path
        preflight = methods["options"]["x-amazon-apigateway-integration"]
        headers = preflight["responses"]["default"]["responseParameters"]
        # Then API Gateway answers it itself, admitting the dashboard with a bearer token and a JSON body
        assert preflight["type"] == "mock", path
        assert headers["method.response.header.Access-Control-Allow-Origin"] == expected_origin, path
        allowed = headers["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert {"Authorization", "Content-Type"} <= set(allowed), path
        methods_allowed = set(headers["method.response.header.Access-Control-Allow-Methods"].strip("'").split(","))
        assert {m.upper() for m in methods if m != "options"} <= methods_allowed, path
    # And API Gateway's own refusals (throttling, unknown path) are readable by the dashboard too
    responses = body["x-amazon-apigateway-gateway-responses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        header = responses[kind]["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert header == expected_origin


def test_the_functions_learn_the_dashboard_origin_and_no_cycle_forms(sam: dict[str, Any]) -> None:
    # Given the transformed template's resources and what each refers to
    graph = dependency_graph(sam)
    # Then every function is told the dashboard's origin (the stack's DashboardOrigin or the distribution's domain)
    origin = sam["Resources"]["ContactsFunction"]["Properties"]["Environment"]["Variables"]["DASHBOARD_ORIGIN"]
    assert origin == ORIGIN
    # And the functions depend on the distribution, which depends on no function (no cycle; the whole template's
    # graph is checked in test_template_deploys.py)
    assert graph.has_edge("ContactsFunction", "DashboardDistribution")
    needs = nx.descendants(graph, "DashboardDistribution")
    assert not [name for name in needs if sam["Resources"][name]["Type"] == "AWS::Lambda::Function"], needs
    assert {"DashboardUrl", "DashboardBucket", "DistributionId"} <= set(sam["Outputs"])


def _viewer_requests(uris: list[str]) -> list[dict[str, Any]]:
    """What the CloudFront Function returns for each path (a request to forward, or a response)."""
    code = RESOURCES["DashboardPathsFunction"]["Properties"]["FunctionCode"]
    harness = ("\nconst uris = JSON.parse(process.argv[1]);\n"
               "console.log(JSON.stringify(uris.map(u => handler({request: {uri: u, headers: {}}}))));\n")
    done = subprocess.run(["node", "-e", code + harness, json.dumps(uris)], capture_output=True, text=True,
                          check=True, timeout=30)
    return list(json.loads(done.stdout))


def test_the_root_goes_to_the_app_and_its_routes_get_index_html() -> None:
    # Given the paths a viewer asks for
    uris = ["/", "/app", "/app/", "/app/contacts/01HZX", "/app/flows/f1/runs", "/app/assets/index-BxY3k2_a.js",
            "/app/config.json", "/robots.txt"]
    # When the viewer-request function sees them
    replies = dict(zip(uris, _viewer_requests(uris), strict=True))
    # Then / and /app are redirected to /app/ (not permanently: the base may change)
    for uri in ("/", "/app"):
        assert replies[uri]["statusCode"] == 302 and replies[uri]["headers"]["location"]["value"] == "/app/"
    # And the app's routes are its index.html, while its files and other paths go to the bucket as asked
    for uri in ("/app/", "/app/contacts/01HZX", "/app/flows/f1/runs"):
        assert replies[uri]["uri"] == "/app/index.html", uri
    for uri in ("/app/assets/index-BxY3k2_a.js", "/app/config.json", "/robots.txt"):
        assert replies[uri]["uri"] == uri
