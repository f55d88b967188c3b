"""Helpers of the automation runtime tests (no tests here): the app's handlers, a follow-up flow, driving a run."""
from __future__ import annotations

import json
import time
from typing import Any

from leadpilot.automation.runs.models import ReplyWaitItem
from leadpilot.automation.runs.replies import waits_pk
from leadpilot.sms.conversations import messages_for
from tests.integration.conftest import drain_queue, receive_events
from tests.support.apps import Api, load_module

THREE_DAYS_IN_ONE_SECOND = 1 / 259200  # every 3-day wait of a flow becomes 1 s (the minimum)


def automations() -> Any:
    return load_module("functions/automations")


def follow_up_flow(tag: str = "new-lead") -> dict[str, Any]:
    """When `tag` is added: text, then up to 4 follow-ups 3 days apart until a reply, then a task for the owner."""
    return {
        "name": "Follow up until reply",
        "trigger": {"event": "contact.tag_added", "filters": [{"var": "trigger.data.tag", "op": "eq", "value": tag}]},
        "nodes": [
            {"id": "start", "type": "trigger"},
            {"id": "intro", "type": "send_sms", "body": "Hi {{contact.first_name|there}}, any questions?"},
            {"id": "followups", "type": "loop", "max_iterations": 4},
            {"id": "await", "type": "wait_for_reply", "channel": "sms", "timeout": {"days": 3}},
            {"id": "nudge", "type": "send_sms", "body": "Hi {{contact.first_name|there}}, still interested?"},
            {"id": "last_wait", "type": "wait_for_reply", "channel": "sms", "timeout": {"days": 3}},
            {"id": "owner_task", "type": "create_task", "title": "Call {{contact.first_name|this lead}}",
             "assignee": "owner", "due_in": {"days": 1}},
            {"id": "replied", "type": "end", "outcome": "replied"},
            {"id": "handed_over", "type": "end", "outcome": "no_reply"},
        ],
        "edges": [
            {"from": "start", "to": "intro"}, {"from": "intro", "to": "followups"},
            {"from": "followups", "to": "await", "label": "body"},
            {"from": "followups", "to": "last_wait", "label": "done"},
            {"from": "await", "to": "replied", "label": "reply"}, {"from": "await", "to": "nudge", "label": "timeout"},
            {"from": "nudge", "to": "followups"},
            {"from": "last_wait", "to": "replied", "label": "reply"},
            {"from": "last_wait", "to": "owner_task", "label": "timeout"},
            {"from": "owner_task", "to": "handed_over"},
        ],
    }


def sqs_event(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """An SQS batch as Lambda's event-source mapping delivers it."""
    return {"Records": [{"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": json.dumps(b), "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}
                        for i, b in enumerate(bodies)]}


def trigger_envelopes(cloud: Any) -> list[dict[str, Any]]:
    """The EventBridge events the triggers rule delivered (taken off the queue)."""
    return receive_events(cloud, "AutomationTriggersQueue")


def deliver(envelopes: list[dict[str, Any]]) -> None:
    """Hand events to the trigger consumer, failing the test on a reported failure."""
    if envelopes:
        assert automations().on_trigger(sqs_event(envelopes), None) == {"batchItemFailures": []}


def reply_envelope(workspace_id: str, contact_id: str, text: str = "Yes, call me") -> dict[str, Any]:
    """An inbound SMS as the messaging capability will publish it (sms.received)."""
    return {"detail-type": "sms.received", "source": "leadpilot.messaging", "detail": {
        "id": "01M80A46AE3NAJSG3E822B9799", "type": "sms.received", "version": 1, "workspace_id": workspace_id,
        "occurred_at": "2026-11-22T00:22:33.038Z", "actor": {"type": "system", "id": "twilio"},
        "data": {"contact_id": contact_id, "body": text}, "changes": {}}}


def waiting(workspace_id: str, contact_id: str) -> int:
    return sum(1 for _ in ReplyWaitItem.query(waits_pk(workspace_id, contact_id)))


def texts(workspace_id: str, contact_id: str) -> list[dict[str, Any]]:
    """The texts flows queued for the contact (the messaging send path; its worker is not needed here)."""
    return messages_for(workspace_id, contact_id, "outbound")


def drive(cloud: Any, api: Api, token: str, run_id: str, workspace_id: str, contact_id: str,
          reply_after_texts: int | None = None, limit_s: float = 25) -> dict[str, Any]:
    """Play the action worker until the run ends; reply once `reply_after_texts` texts went out and it waits."""
    replied = False
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        if (reply_after_texts is not None and not replied and waiting(workspace_id, contact_id)
                and len(texts(workspace_id, contact_id)) == reply_after_texts):
            deliver([reply_envelope(workspace_id, contact_id)])
            replied = True
        run = api.get(f"/runs/{run_id}", token=token).body
        if run["status"] != "running":
            return dict(run)
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} still running after {limit_s}s")
