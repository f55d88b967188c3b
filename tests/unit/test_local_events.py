"""The AWS-shaped events the function host builds, and how it reads the answers."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from infra.local.gateway import proxy_reply
from infra.local.host import shared_environment
from infra.local.model import ApiRoute, FunctionSpec, ScheduleSpec
from infra.local.routes import Match, RouteTable, build_rest_event
from infra.local.scheduler import scheduled_event
from infra.local.sqs_poller import failed_message_ids, sqs_record


def _spec(logical_id: str, *routes: tuple[str, str], env: dict[str, str] | None = None) -> FunctionSpec:
    return FunctionSpec(
        logical_id=logical_id,
        code_uri=Path("/code"),
        handler="app.app",
        environment=env or {},
        api_routes=[ApiRoute(f"E{i}", path, method) for i, (path, method) in enumerate(routes)],
    )


@pytest.fixture
def table() -> RouteTable:
    return RouteTable(
        [
            _spec(
                "Contacts",
                ("/contacts", "GET"),
                ("/contacts", "POST"),
                ("/contacts/{contact_id}", "GET"),
                ("/contacts/{contact_id}/activity", "GET"),
            ),
            _spec("Stats", ("/contacts/stats", "GET")),
            _spec("Files", ("/files/{proxy+}", "ANY")),
        ]
    )


def test_routes_match_literal_before_parameter(table: RouteTable) -> None:
    # Given /contacts/stats and /contacts/{contact_id} / When each is requested / Then the literal wins
    stats = table.match("GET", "/contacts/stats")
    one = table.match("GET", "/contacts/c%2F1")
    assert isinstance(stats, Match) and stats.route.function_id == "Stats"
    assert isinstance(one, Match) and one.route.resource == "/contacts/{contact_id}"
    # And an encoded slash stays inside its segment, decoded in the parameter
    assert one.path_parameters == {"contact_id": "c/1"}


def test_greedy_proxy_and_any(table: RouteTable) -> None:
    # Given /files/{proxy+} with ANY / When a deep path is deleted / Then it matches with the whole rest
    found = table.match("DELETE", "/files/a/b/c.txt")
    assert isinstance(found, Match) and found.path_parameters == {"proxy": "a/b/c.txt"}


def test_unknown_path_is_404_and_wrong_method_is_405(table: RouteTable) -> None:
    # Given the table / When a path is unknown or the resource lacks the method / Then 404 or 405
    assert table.match("GET", "/nope") == 404
    assert table.match("GET", "/contacts/1/activity/x") == 404
    assert table.match("DELETE", "/contacts") == 405
    # And the literal resource is chosen before its method, as API Gateway does
    assert table.match("DELETE", "/contacts/stats") == 405
    assert table.methods_for("/contacts") == ["GET", "POST"]


def test_rest_event_has_the_aws_shape(table: RouteTable) -> None:
    # Given a request with repeated headers and query values
    found = table.match("GET", "/contacts/c1")
    assert isinstance(found, Match)
    headers = [("Host", "127.0.0.1:3000"), ("Accept", "a"), ("Accept", "b"), ("User-Agent", "ua")]
    # When the proxy event is built
    event = build_rest_event(
        found,
        "GET",
        "/contacts/c1",
        "tag=x&tag=y&q=",
        headers,
        b"",
        source_ip="10.0.0.1",
        stage="dev",
        account_id="123456789012",
    )
    # Then it carries exactly what API Gateway sends for payload 1.0
    assert event["resource"] == event["requestContext"]["resourcePath"] == "/contacts/{contact_id}"
    assert event["path"] == "/contacts/c1" and event["httpMethod"] == "GET"
    assert event["headers"]["Accept"] == "b" and event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert event["queryStringParameters"] == {"tag": "y", "q": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["x", "y"], "q": [""]}
    assert event["pathParameters"] == {"contact_id": "c1"}
    assert event["stageVariables"] is None and event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    # And the path as the client sent it: the gateway serves the stage at its root, as a custom domain does
    assert context["path"] == "/contacts/c1" and context["stage"] == "dev"
    assert context["identity"]["sourceIp"] == "10.0.0.1" and context["identity"]["userAgent"] == "ua"
    assert isinstance(context["requestTimeEpoch"], int) and context["requestId"]


def test_rest_event_nulls_and_binary_body(table: RouteTable) -> None:
    # Given a request without query or path parameters and a non-UTF-8 body
    found = table.match("POST", "/contacts")
    assert isinstance(found, Match)
    event = build_rest_event(
        found, "POST", "/contacts", "", [("Host", "h")], b"\xff\x00", source_ip="1.1.1.1", stage="dev", account_id="1"
    )
    # Then the empty maps are None and the body is base64
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\x00"


def test_proxy_reply_merges_headers_and_decodes_base64() -> None:
    # Given a Lambda proxy response with both header maps and a base64 body
    result = {
        "statusCode": 201,
        "headers": {"A": "1", "B": "single"},
        "multiValueHeaders": {"B": ["x", "y"]},
        "body": base64.b64encode(b"\x01\x02").decode(),
        "isBase64Encoded": True,
    }
    # When turned into an HTTP reply
    reply = proxy_reply(result)
    # Then multiValueHeaders win for their keys, the body is raw bytes, and with no type set it is JSON
    assert reply.status == 201 and reply.body == b"\x01\x02"
    assert reply.headers == [("A", "1"), ("B", "x"), ("B", "y"), ("Content-Type", "application/json")]
    with pytest.raises(ValueError):
        proxy_reply({"body": "no status"})


def test_sqs_record_has_the_lambda_shape() -> None:
    # Given a message as ReceiveMessage returns it
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "md5",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "x"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\xff"},
        },
        "MD5OfMessageAttributes": "md5a",
    }
    # When it becomes a Lambda record
    record = sqs_record(message, "arn:aws:sqs:us-east-1:1:q", "us-east-1")
    # Then names and attribute shapes are Lambda's
    assert record["messageId"] == "m1" and record["receiptHandle"] == "r1" and record["md5OfBody"] == "md5"
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == "arn:aws:sqs:us-east-1:1:q"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["raw"]["binaryValue"] == base64.b64encode(b"\xff").decode()


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, {"a", "b"}),
        ({"batchItemFailures": [{"wrongKey": "a"}]}, {"a", "b"}),
    ],
)
def test_partial_batch_response_rules(result: object, failed: set[str]) -> None:
    # Given a handler's response / When read as ReportBatchItemFailures / Then Lambda's rules apply
    assert failed_message_ids(result, ["a", "b"]) == failed


def test_scheduled_event_shape() -> None:
    # Given a Schedule event / When it fires / Then the EventBridge "Scheduled Event" is sent
    from datetime import UTC, datetime

    spec = ScheduleSpec("Tick", "rate(1 minute)", "arn:aws:events:us-east-1:1:rule/r")
    event = scheduled_event(spec, "123456789012", "us-east-1", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-01-02T03:04:05Z" and event["resources"] == [spec.rule_arn]
    assert event["version"] == "0" and event["detail"] == {} and event["account"] == "123456789012"
    # And an Input replaces it, as in AWS
    assert scheduled_event(
        ScheduleSpec("T", "rate(1 minute)", "arn", input='{"a": 1}'), "1", "r", datetime.now(UTC)
    ) == {"a": 1}


def test_shared_environment_drops_conflicts() -> None:
    # Given two functions that agree on the table but not on the service name
    specs = [
        _spec("A", env={"TABLE": "t", "POWERTOOLS_SERVICE_NAME": "a"}),
        _spec("B", env={"TABLE": "t", "POWERTOOLS_SERVICE_NAME": "b", "ONLY_B": "1"}),
    ]
    # When merged / Then conflicting keys are left out
    assert shared_environment(specs) == {"TABLE": "t", "ONLY_B": "1"}
