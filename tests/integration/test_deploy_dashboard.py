"""`make deploy`'s dashboard upload against moto: a stack's outputs, its bucket and its CloudFront distribution."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.deploy_dashboard import IMMUTABLE, REVALIDATE, main, plan

API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"
LIVE_URL = "wss://def456.execute-api.us-east-1.amazonaws.com/dev"
BUILD = {  # what `vite build --base /app/` writes, with a public/ file and a developer's own config.json
    "index.html": '<!doctype html><script type="module" src="/app/assets/index-BxY3k2_a.js"></script>',
    "assets/index-BxY3k2_a.js": "console.log('app')",
    "assets/index-C9dK1mQz.css": "body{}",
    "assets/FlowBuilder-Dq3P_x1a.js": "export default 1",
    "assets/logo-a1B2c3D4.svg": "<svg/>",
    "favicon.svg": "<svg/>",
    "config.json": '{"apiUrl": "http://127.0.0.1:3000"}',
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh in-process AWS with fake credentials."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    for name, text in BUILD.items():
        path = tmp_path / "dist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "dist"


def _distribution() -> str:
    config = {"CallerReference": "dashboard", "Comment": "", "Enabled": True,
              "Origins": {"Quantity": 1, "Items": [{"Id": "bucket", "DomainName": "b.s3.us-east-1.amazonaws.com",
                                                    "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
              "DefaultCacheBehavior": {"TargetOriginId": "bucket", "ViewerProtocolPolicy": "redirect-to-https"}}
    return str(boto3.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"])


def _stack(name: str, live_url: str | None = None, dashboard: bool = True) -> dict[str, str]:
    """A stack in moto's CloudFormation with the outputs template.yaml gives (the bucket is the stack's own)."""
    outputs: dict[str, dict[str, object]] = {"ApiUrl": {"Value": API_URL + "/"}}
    if dashboard:
        outputs |= {"DashboardBucket": {"Value": {"Ref": "DashboardBucket"}},
                    "DistributionId": {"Value": _distribution()},
                    "DashboardUrl": {"Value": "https://d111.cloudfront.net/app/"}}
    if live_url:
        outputs["LiveUrl"] = {"Value": live_url}
    template = {"Resources": {"DashboardBucket": {"Type": "AWS::S3::Bucket"}}, "Outputs": outputs}
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def _object(bucket: str, key: str) -> dict[str, object]:
    reply = boto3.client("s3").get_object(Bucket=bucket, Key=key)
    return {"type": reply["ContentType"], "cache": reply["CacheControl"], "body": reply["Body"].read().decode()}


def test_every_file_is_stored_under_app_with_its_type_and_cache_lifetime(aws: None, dist: Path) -> None:
    # Given a deployed stack and a build
    outputs = _stack("leadpilot-dev", live_url=LIVE_URL)
    # When the dashboard is published
    assert main(["--stack-name", "leadpilot-dev", "--dist", str(dist)]) == 0
    # Then hashed assets are cached for a year, the rest revalidates, and each has the type a browser needs
    bucket = outputs["DashboardBucket"]
    expected = {
        "app/index.html": ("text/html; charset=utf-8", REVALIDATE),
        "app/assets/index-BxY3k2_a.js": ("text/javascript; charset=utf-8", IMMUTABLE),
        "app/assets/FlowBuilder-Dq3P_x1a.js": ("text/javascript; charset=utf-8", IMMUTABLE),
        "app/assets/index-C9dK1mQz.css": ("text/css; charset=utf-8", IMMUTABLE),
        "app/assets/logo-a1B2c3D4.svg": ("image/svg+xml", IMMUTABLE),
        "app/favicon.svg": ("image/svg+xml", REVALIDATE),
        "app/config.json": ("application/json", REVALIDATE),
    }
    for key, (content_type, cache) in expected.items():
        stored = _object(bucket, key)
        assert (stored["type"], stored["cache"]) == (content_type, cache), key
    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == set(expected)
    assert _object(bucket, "app/index.html")["body"] == BUILD["index.html"]


def test_config_json_names_the_stack_api_and_live_url(aws: None, dist: Path) -> None:
    # Given a stack with a WebSocket API, and a build carrying a developer's config.json
    outputs = _stack("leadpilot-dev", live_url=LIVE_URL)
    # When the dashboard is published
    assert main(["--stack-name", "leadpilot-dev", "--dist", str(dist)]) == 0
    # Then config.json is the stack's: the API without a trailing slash and the live URL
    config = json.loads(str(_object(outputs["DashboardBucket"], "app/config.json")["body"]))
    assert config == {"apiUrl": API_URL, "liveUrl": LIVE_URL}


def test_without_a_live_url_output_config_json_leaves_it_out(aws: None, dist: Path) -> None:
    # Given a stack without the LiveUrl output
    outputs = _stack("leadpilot-dev")
    # When the dashboard is published
    assert main(["--stack-name", "leadpilot-dev", "--dist", str(dist)]) == 0
    # Then config.json names the API only
    config = json.loads(str(_object(outputs["DashboardBucket"], "app/config.json")["body"]))
    assert config == {"apiUrl": API_URL}


def test_cloudfront_forgets_index_html_and_config_json(aws: None, dist: Path) -> None:
    # Given a deployed stack
    outputs = _stack("leadpilot-dev")
    # When the dashboard is published twice
    assert main(["--stack-name", "leadpilot-dev", "--dist", str(dist)]) == 0
    assert main(["--stack-name", "leadpilot-dev", "--dist", str(dist)]) == 0
    # Then each publication invalidated the two names that do not change with the content
    cloudfront = boto3.client("cloudfront")
    distribution = outputs["DistributionId"]
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    assert len(listed) == 2
    for item in listed:
        batch = cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"]
        assert sorted(batch["InvalidationBatch"]["Paths"]["Items"]) == ["/app/config.json", "/app/index.html"]


def test_index_html_is_uploaded_last_and_hashed_assets_first(dist: Path) -> None:
    # Given a build / When its upload is planned
    keys = [upload.key for upload in plan(dist)]
    # Then no index.html is stored before the files it names, and config.json is not taken from the build
    assert keys[-1] == "app/index.html"
    assert keys[:4] == sorted(k for k in keys if "/assets/" in k)
    assert "app/config.json" not in keys


def test_without_a_build_nothing_is_uploaded(aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a stack and no dashboard build
    outputs = _stack("leadpilot-dev")
    # When the dashboard is published
    code = main(["--stack-name", "leadpilot-dev", "--dist", str(tmp_path / "dist")])
    # Then it fails saying what to build, and the bucket stays empty
    assert code == 2 and "build the dashboard first" in capsys.readouterr().err
    assert boto3.client("s3").list_objects_v2(Bucket=outputs["DashboardBucket"])["KeyCount"] == 0


def test_a_stack_without_the_dashboard_is_named_as_such(aws: None, dist: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # Given a stack deployed from a template without the dashboard resources
    _stack("leadpilot-old", dashboard=False)
    # When the dashboard is published to it, or to a stack that does not exist
    old = main(["--stack-name", "leadpilot-old", "--dist", str(dist)])
    old_err = capsys.readouterr().err
    missing = main(["--stack-name", "leadpilot-none", "--dist", str(dist)])
    # Then both fail with the missing outputs or stack named
    assert old == 2 and "DashboardBucket, DistributionId" in old_err
    assert missing == 2 and "leadpilot-none" in capsys.readouterr().err
