"""Automation resources for the tenant-isolation suite: a published flow and one of its runs."""
from __future__ import annotations

import json
from typing import Any

import boto3

from tests.support.apps import load_module

FLOW = {"name": "Secret flow",
        "trigger": {"event": "contact.tag_added", "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "iso"}]},
        "nodes": [{"id": "start", "type": "trigger"}, {"id": "text", "type": "send_sms", "body": "Secret text"},
                  {"id": "done", "type": "end"}],
        "edges": [{"from": "start", "to": "text"}, {"from": "text", "to": "done"}]}
PUBLIC = {("POST", "/hooks/{token}")}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/flows"): {**FLOW, "name": "B's flow", "nodes": [
        {"id": "start", "type": "trigger"}, {"id": "text", "type": "send_sms", "body": "B's text"},
        {"id": "done", "type": "end"}]},
    ("PATCH", "/flows/{flow_id}"): {"name": "Stolen"},
    ("POST", "/flows/{flow_id}/enrollments"): {"contact_ids": ["01J0000000000000000000000Z"]},
    ("POST", "/runs/{run_id}/restart"): {"node": "text"},
    ("POST", "/runs/{run_id}/skip"): {},
    ("POST", "/flows/{flow_id}/runs/bulk"): {"action": "cancel", "status": "running"},
    ("POST", "/flows/{flow_id}/dry-run"): {"contact_id": "01M80A45J90JMESM0AR82N1PFF"},
}


def _deliver_triggers() -> None:
    """Play the triggers queue's consumer once (the suite has no access to the deployment fixture)."""
    sqs = boto3.client("sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if "AutomationTriggersQueue" in u)
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "attributes": {}, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                "eventSourceARN": "", "awsRegion": "us-east-1"}
               for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    if records:
        load_module("functions/automations").on_trigger({"Records": records}, None)
        for r in records:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=r["receiptHandle"])


def seed(api: Any, token: str) -> dict[str, str]:
    flow = api.post("/flows", FLOW, token=token).body
    assert api.post(f"/flows/{flow['id']}/publish", token=token).status == 201
    contact = api.post("/contacts", {"first_name": "Flowed", "phone": "+14155550199"}, token=token).body
    api.post(f"/contacts/{contact['id']}/tags", {"add": ["iso"]}, token=token)
    _deliver_triggers()
    runs = api.get(f"/flows/{flow['id']}/runs", token=token).body["items"]
    assert len(runs) == 1, runs
    return {"flow_id": flow["id"], "run_id": runs[0]["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret flow", "Secret text"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    run = api.get(f"/runs/{ids['run_id']}", token=token).body
    steps = api.get(f"/runs/{ids['run_id']}/steps", token=token).body["items"]
    return {"flow": json.dumps(api.get(f"/flows/{ids['flow_id']}", token=token).body, sort_keys=True),
            "run": (run["status"], run["version"], run["executions"]),
            "controls": [s for s in steps if s["type"] == "control"],
            "metrics": api.get(f"/flows/{ids['flow_id']}/metrics", token=token).body}


# AI-assisted creation (ADR 0012): no ids in the path; a valid body so the suite reaches the route.
BODIES[("POST", "/flows/generate")] = {"prompt": "Follow up every 3 days until reply"}
