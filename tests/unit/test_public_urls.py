"""The API's public URL as a caller reached it, read from the request as API Gateway delivers it.

Functions serving routes cannot be told the API's URL by the template (a dependency cycle), so links they hand
out (calendar feeds, flow webhooks, the OpenAPI server) and the URL Twilio signed come from the request.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from chalice.app import Request

from infra.local.model import ApiRoute, FunctionSpec
from infra.local.routes import RouteTable, build_rest_event
from leadpilot.api.request import base_url
from leadpilot.api.urls import public_url
from leadpilot.sms.config import load_config
from leadpilot.sms.webhooks import public_url as twilio_url
from tests.support.apps import ROOT

SAMPLE = json.loads((ROOT / "events" / "apigw" / "create_contact.json").read_text())
SECRET = "a-jwt-secret-of-at-least-thirty-two-chars"


def _aws(host: str, resource: str, path: str, seen: str, proto: str | None = "https") -> Request:
    """An API Gateway REST proxy event: `path` is the route's, `seen` is requestContext.path (as the caller sent)."""
    event = copy.deepcopy(SAMPLE)
    event["headers"] = {"Host": host, **({"X-Forwarded-Proto": proto} if proto else {})}
    event["resource"], event["path"] = resource, path
    event["requestContext"].update(resourcePath=resource, path=seen, domainName=host)
    segments = resource.split("/")
    values = path.split("/")[-len(segments):]  # a mapped base path comes before the route's own segments
    event["pathParameters"] = {part.strip("{}"): value for part, value in zip(segments, values, strict=True)
                               if part.startswith("{")} or None
    return Request(event)


def test_the_execute_api_domain_keeps_the_stage() -> None:
    # Given requests on API Gateway's own domain, where the stage is the first segment of the path
    host = "abc123.execute-api.eu-west-1.amazonaws.com"
    feed = _aws(host, "/me/calendar-feed", "/me/calendar-feed", "/prod/me/calendar-feed")
    hook = _aws(host, "/flows/{flow_id}/webhook", "/flows/f1/webhook", "/prod/flows/f1/webhook")
    # Then links on this API keep the stage, on routes with and without path parameters
    assert public_url(feed, "/calendar/lpc_x.ics") == f"https://{host}/prod/calendar/lpc_x.ics"
    assert public_url(hook, "/hooks/tok") == f"https://{host}/prod/hooks/tok"
    assert base_url(hook) == f"https://{host}/prod"


def test_a_custom_domain_keeps_its_base_path_and_nothing_else() -> None:
    # Given a custom domain mapped at its root, and one mapped under a base path (sent by the caller)
    root = _aws("api.acme.test", "/flows/{flow_id}/webhook", "/flows/f1/webhook", "/flows/f1/webhook")
    mapped = _aws("api.acme.test", "/flows/{flow_id}/webhook", "/v1/flows/f1/webhook", "/v1/flows/f1/webhook")
    # Then each URL is the one the caller used
    assert base_url(root) == "https://api.acme.test"
    assert base_url(mapped) == "https://api.acme.test/v1"


def test_the_local_gateway_serves_the_stage_at_its_root() -> None:
    # Given a request to the local cloud's gateway, as it builds the proxy event
    route = ApiRoute("GetFlowWebhook", "/flows/{flow_id}/webhook", "GET")
    automations = FunctionSpec(logical_id="AutomationsFunction", code_uri=Path("/code"), handler="app.app",
                               environment={}, api_routes=[route])
    table = RouteTable([automations])
    match = table.match("GET", "/flows/f1/webhook")
    assert not isinstance(match, int)
    event = build_rest_event(match, "GET", "/flows/f1/webhook", "", [("Host", "127.0.0.1:3000"),
                                                                     ("X-Forwarded-Proto", "http")],
                             b"", source_ip="127.0.0.1", stage="dev", account_id="123456789012")
    # Then the link is on the gateway, without a stage it does not serve
    assert public_url(Request(event), "/hooks/tok") == "http://127.0.0.1:3000/hooks/tok"


def test_the_scheme_is_the_first_forwarded_one_in_lower_case_and_no_host_gives_a_path() -> None:
    # Given a proxy that lists schemes, LocalStack's upper-case one, no header, and no Host at all
    listed = _aws("api.acme.test", "/me", "/me", "/me", proto="https, http")
    upper = _aws("x.execute-api.localhost.localstack.cloud:4566", "/me", "/me", "/dev/me", proto="HTTP")
    missing = _aws("api.acme.test", "/me", "/me", "/me", proto=None)
    hostless = _aws("", "/me", "/me", "/me")
    # Then API Gateway's https is assumed unless told otherwise, and a link without a host stays relative
    assert base_url(listed) == "https://api.acme.test"
    assert base_url(upper) == "http://x.execute-api.localhost.localstack.cloud:4566/dev"
    assert base_url(missing) == "https://api.acme.test"
    assert public_url(hostless, "/calendar/x.ics") == "/calendar/x.ics"


def test_twilio_is_checked_against_the_url_it_called() -> None:
    # Given Twilio calling the execute-api stage URL, a custom domain under a base path, or the configured base
    plain = load_config({"LEADPILOT_JWT_SECRET": SECRET})
    based = load_config({"LEADPILOT_JWT_SECRET": SECRET, "PUBLIC_BASE_URL": "https://sms.acme.test/"})
    host = "abc123.execute-api.us-east-1.amazonaws.com"
    aws = _aws(host, "/webhooks/twilio/sms", "/webhooks/twilio/sms", "/prod/webhooks/twilio/sms")
    custom = _aws("api.acme.test", "/webhooks/twilio/sms", "/v1/webhooks/twilio/sms", "/v1/webhooks/twilio/sms")
    # Then the URL is the one Twilio signed, the stage or base path included; a configured base wins
    assert twilio_url(plain, aws) == f"https://{host}/prod/webhooks/twilio/sms"
    assert twilio_url(plain, aws, "/webhooks/twilio/status") == f"https://{host}/prod/webhooks/twilio/status"
    assert twilio_url(plain, custom) == "https://api.acme.test/v1/webhooks/twilio/sms"
    assert twilio_url(based, aws) == "https://sms.acme.test/webhooks/twilio/sms"

