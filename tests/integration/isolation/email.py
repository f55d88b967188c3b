"""Email resources for the tenant-isolation suite: a sent message (and the public tracking routes)."""
from __future__ import annotations

from typing import Any

import boto3

from tests.support.apps import load_module

PUBLIC = {("GET", "/e/o/{token}"), ("GET", "/e/c/{token}"), ("GET", "/e/u/{token}"), ("POST", "/e/u/{token}"),
          ("POST", "/email/webhooks/ses"), ("POST", "/email/inbound")}
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/email/sender"): {"email": "b@beta.test"},
    ("POST", "/emails"): {"contact_id": "01M80A45J90JMESM0AR82N1PFF", "subject": "Hi", "body": "Hello"},
    ("POST", "/emails/bulk"): {"contact_ids": ["01M80A45J90JMESM0AR82N1PFF"], "subject": "Hi", "body": "Hello"},
    ("POST", "/sequences"): {"name": "B's sequence", "steps": [{"day": 1, "subject": "B", "body": "B's body"}]},
    ("PATCH", "/sequences/{sequence_id}"): {"name": "Stolen"},
    ("POST", "/sequences/{sequence_id}/enrollments"): {"contact_ids": ["01M80A45J90JMESM0AR82N1PFF"]},
}


def _send_queued() -> None:
    sqs = boto3.client("sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if "EmailSendQueue" in u and "DLQ" not in u)
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"], "attributes": {},
                "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": "",
                "awsRegion": "us-east-1"} for m in msgs]
    if records:
        load_module("functions/email").on_send({"Records": records}, None)
        for r in records:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=r["receiptHandle"])


def seed(api: Any, token: str) -> dict[str, str]:
    assert api.call("PUT", "/email/sender", {"email": "alpha@alpha.test"}, token=token).status == 200
    contact = api.post("/contacts", {"first_name": "Mailed", "email": "mailed@example.com"}, token=token).body
    sent = api.post("/emails", {"contact_id": contact["id"], "subject": "Secret subject",
                                "body": "Secret email body"}, token=token)
    assert sent.status == 202, sent
    _send_queued()
    sequence = api.post("/sequences", {"name": "Secret sequence", "steps": [
        {"day": 1, "subject": "Secret step", "body": "Secret step body"}]}, token=token).body
    enrolled = api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [contact["id"]]}, token=token)
    assert enrolled.status == 200, enrolled
    return {"message_id": sent.body["id"], "sequence_id": sequence["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret subject", "Secret email body", "mailed@example.com", "alpha@alpha.test", "Secret sequence",
            "Secret step"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"email": api.get(f"/emails/{ids['message_id']}", token=token).body,
            "sender": api.get("/email/sender", token=token).body,
            "sequence": api.get(f"/sequences/{ids['sequence_id']}", token=token).body}
