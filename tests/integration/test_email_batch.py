"""The send worker takes a queue batch at once: a few AWS calls per batch, each message still sent at most once."""
from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from leadpilot.email.provider import provider
from leadpilot.email.suppression import suppress
from leadpilot.identity import suspension
from leadpilot.platform import flags
from leadpilot.platform import settings as platform_settings
from tests.integration.test_contact_calls import aws_calls
from tests.integration.test_email_helpers import captured, contact, email_app, send, verified_sender
from tests.support.apps import Api


def _batch(cloud: Any) -> dict[str, Any]:
    """The send queue's messages as one Lambda event, left on the queue (so it can be delivered again)."""
    queue = cloud.resources["EmailSendQueue"]
    msgs = boto3.client("sqs").receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                               WaitTimeSeconds=0).get("Messages", [])
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "attributes": {}, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                         "eventSource": "aws:sqs", "eventSourceARN": queue.arn, "awsRegion": "us-east-1"}
                        for m in msgs]}


def _record_of(event: dict[str, Any], message_id: str) -> str:
    return next(r["messageId"] for r in event["Records"] if message_id in r["body"])


def test_a_batch_sends_the_others_once_and_redelivers_only_the_failed_one(cloud: Any, api: Api,
                                                                         owner: dict[str, Any],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the process's short-lived caches (a workspace's suspension, 15 s; the platform's settings, 30 s) kept
    # for the whole test: on a slow machine one could lapse between the sends and the batch, and its refresh is
    # not a call of the batch's own
    for cache in (suspension, platform_settings, flags):
        monkeypatch.setattr(cache, "CACHE_S", 3600.0)
    # And five queued emails: one to an address suppressed since, one SES will throttle once
    token, workspace_id = owner["access_token"], owner["workspace"]["id"]
    verified_sender(api, token)
    addresses = [f"{name}@example.com" for name in ("ann", "bob", "cat", "quit", "slow")]
    contacts = {address: contact(api, token, address) for address in addresses}
    ids = {address: send(api, token, contacts[address]).body["id"] for address in addresses}
    suppress(workspace_id, "quit@example.com", "unsubscribed", None)
    event = _batch(cloud)
    assert len(event["Records"]) == 5

    def throttle(params: dict[str, Any], **_: Any) -> None:
        if params.get("Destinations") == ["slow@example.com"]:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}},
                              "SendRawEmail")

    ses = provider("us-east-1").client  # the process-wide SES provider the worker uses
    ses.meta.events.register("provide-client-params.ses.SendRawEmail", throttle)
    try:
        # When the worker takes the batch
        with aws_calls() as calls:
            reply = email_app().on_send(event, None)
    finally:
        ses.meta.events.unregister("provide-client-params.ses.SendRawEmail", throttle)
    # Then only the throttled one is reported for redelivery
    assert reply["batchItemFailures"] == [{"itemIdentifier": _record_of(event, ids["slow@example.com"])}]
    # And the three reachable ones went out once, the suppressed one never
    sent = Counter(m["to"] for m in captured(api, token))
    assert sent == Counter({"ann@example.com": 1, "bob@example.com": 1, "cat@example.com": 1})
    statuses = {a: api.get(f"/emails/{ids[a]}", token=token).body for a in addresses}
    assert [statuses[a]["status"] for a in addresses] == ["sent", "sent", "sent", "skipped", "queued"]
    assert statuses["quit@example.com"]["reason"] == "suppressed:unsubscribed"
    # And the batch took a handful of calls, not nine per message: two reads, one claim, one SES call per
    # message sent (the throttled one is refused before it reaches SES), one recording transaction and the
    # events (plus the suppressed one's own record and refund -- which reads its charge's ledger entry, to refund
    # at that charge's markup -- and the throttled one put back to queued)
    assert calls.count("ses.SendRawEmail") == 3, calls
    assert calls.count("dynamodb.BatchGetItem") == 2 and "dynamodb.GetItem" in calls  # the skipped one re-read
    assert len(calls) <= 3 * len(addresses) + 1, " ".join(sorted(calls))  # 16 here; 9 per message before

    # When SQS delivers the whole batch again (a redelivery of the failed record, and a duplicate of the others)
    with aws_calls() as again:
        reply = email_app().on_send(event, None)
    # Then the throttled one goes out now, and nothing went out twice
    assert reply["batchItemFailures"] == []
    sent = Counter(m["to"] for m in captured(api, token))
    assert sent == Counter({"ann@example.com": 1, "bob@example.com": 1, "cat@example.com": 1, "slow@example.com": 1})
    assert again.count("ses.SendRawEmail") == 1
    # And each timeline has one outcome: email.sent for the sent ones, email.failed for the suppressed one
    for address in addresses:
        types = [e["type"] for e in api.get(f"/contacts/{contacts[address]}/timeline", token=token).body["items"]]
        expected = "email.failed" if address == "quit@example.com" else "email.sent"
        assert types.count(expected) == 1 and types.count("email.sent") + types.count("email.failed") == 1, types
