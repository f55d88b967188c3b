"""'Until they reply' means any reply since the run started: a reply that arrives while the run is busy
(sending the next text) is not lost, and one reply resumes one wait of a run, not the next one too."""
from __future__ import annotations

import time
from typing import Any

from leadpilot.clock import now_iso
from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import (
    automations,
    deliver,
    drive,
    reply_envelope,
    texts,
    trigger_envelopes,
)
from tests.support.apps import Api

TWO_WAITS = {
    "name": "Ask twice",
    "trigger": {"event": "contact.tag_added", "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "ask"}]},
    "nodes": [{"id": "start", "type": "trigger"},
              {"id": "ask", "type": "send_sms", "body": "Shall we book you in?"},
              {"id": "first", "type": "wait_for_reply", "channel": "sms", "timeout": {"minutes": 5}},
              {"id": "confirm", "type": "send_sms", "body": "Great - which day suits you?"},
              {"id": "second", "type": "wait_for_reply", "channel": "sms", "timeout": {"minutes": 5}},
              {"id": "booked", "type": "end", "outcome": "booked"},
              {"id": "nudge", "type": "send_sms", "body": "Still there?"},
              {"id": "gave_up", "type": "end", "outcome": "no_reply"}],
    "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "first"},
              {"from": "first", "to": "confirm", "label": "reply"},
              {"from": "first", "to": "nudge", "label": "timeout"},
              {"from": "confirm", "to": "second"},
              {"from": "second", "to": "booked", "label": "reply"}, {"from": "second", "to": "gave_up",
                                                                       "label": "timeout"},
              {"from": "nudge", "to": "gave_up"}],
}


def started(cloud: Any, api: Api, owner: dict[str, Any]) -> tuple[str, str, str]:
    token = owner["access_token"]
    flow = api.post("/flows", TWO_WAITS, token=token).body
    assert api.post(f"/flows/{flow['id']}/publish", token=token).status == 201
    contact = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550101"}, token=token).body
    api.post(f"/contacts/{contact['id']}/tags", {"add": ["ask"]}, token=token)
    deliver([e for e in trigger_envelopes(cloud) if e["detail-type"] == "contact.tag_added"])
    run_id = api.get(f"/flows/{flow['id']}/runs", token=token).body["items"][0]["id"]
    return token, contact["id"], run_id


def settle(cloud: Any, api: Api, token: str, run_id: str, node: str, limit_s: float = 20) -> dict[str, Any]:
    """Play the action worker until the run waits at `node` (its wait parked)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        run = api.get(f"/runs/{run_id}", token=token).body
        if run["current_node"] == node and any(s["node"] == node and s["status"] == "waiting" for s in api.get(
                f"/runs/{run_id}/steps", token=token).body["items"]):
            return dict(run)
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} never waited at {node}")


def a_reply(ws: str, contact_id: str, event_id: str) -> dict[str, Any]:
    envelope = reply_envelope(ws, contact_id, "Yes")
    envelope["detail"].update(id=event_id, occurred_at=now_iso())
    return envelope


def test_a_reply_while_the_run_is_busy_answers_the_wait_parked_next(cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    # Given a run that has not yet parked its first wait (its first text is still to be sent)
    token, contact_id, run_id = started(cloud, api, owner)
    ws = owner["workspace"]["id"]

    # When the contact replies at that moment, and the run then goes on
    deliver([a_reply(ws, contact_id, "01M80A46AE3NAJSG3E822B9701")])
    run = settle(cloud, api, token, run_id, "second")

    # Then the first wait took its reply path at once, and the second wait did not reuse that reply:
    # the run waits there (5 minutes are not over) after the confirmation text
    assert [m["body"] for m in sorted(texts(ws, contact_id), key=lambda m: m["created_at"])] == [
        "Shall we book you in?", "Great - which day suits you?"]
    assert run["status"] == "running" and run["current_node"] == "second", run


def test_a_second_reply_answers_the_second_wait(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given the run past its first wait through an early reply
    token, contact_id, run_id = started(cloud, api, owner)
    ws = owner["workspace"]["id"]
    deliver([a_reply(ws, contact_id, "01M80A46AE3NAJSG3E822B9702")])
    settle(cloud, api, token, run_id, "second")

    # When the contact replies again
    deliver([a_reply(ws, contact_id, "01M80A46AE3NAJSG3E822B9703")])
    run = drive(cloud, api, token, run_id, ws, contact_id, limit_s=20)

    # Then the run ends booked
    assert run["status"] == "succeeded" and run["current_node"] == "second", run


def test_a_reply_while_the_run_is_paused_answers_its_wait_when_it_resumes(cloud: Any, api: Api,
                                                                          owner: dict[str, Any]) -> None:
    # Given a run waiting for the first reply, paused there
    token, contact_id, run_id = started(cloud, api, owner)
    ws = owner["workspace"]["id"]
    settle(cloud, api, token, run_id, "first")
    assert api.post(f"/runs/{run_id}/pause", token=token).body["status"] == "paused"

    # When the contact replies while it is paused, and it is resumed later
    deliver([a_reply(ws, contact_id, "01M80A46AE3NAJSG3E822B9704")])
    assert api.get(f"/runs/{run_id}", token=token).body["status"] == "paused"  # a paused run does not move
    assert api.post(f"/runs/{run_id}/resume", token=token).body["status"] == "running"
    run = settle(cloud, api, token, run_id, "second")

    # Then the resumed wait took the reply it missed (the confirmation went out, not the nudge), once
    assert [m["body"] for m in sorted(texts(ws, contact_id), key=lambda m: m["created_at"])] == [
        "Shall we book you in?", "Great - which day suits you?"]
    assert run["status"] == "running", run


def test_a_skipped_wait_is_closed_in_the_log_and_the_next_wait_takes_the_reply(cloud: Any, api: Api,
                                                                               owner: dict[str, Any]) -> None:
    # Given a run waiting for the first reply
    token, contact_id, run_id = started(cloud, api, owner)
    ws = owner["workspace"]["id"]
    settle(cloud, api, token, run_id, "first")

    # When the wait is skipped along its reply edge, and the contact then replies
    assert api.post(f"/runs/{run_id}/skip", {"label": "reply"}, token=token).status == 200
    settle(cloud, api, token, run_id, "second")
    deliver([a_reply(ws, contact_id, "01M80A46AE3NAJSG3E822B9705")])
    run = drive(cloud, api, token, run_id, ws, contact_id, limit_s=20)

    # Then the skipped wait says so in the step log, and the reply answered the second wait: booked
    waits = {s["node"]: s["status"] for s in api.get(f"/runs/{run_id}/steps", token=token).body["items"]
             if s["type"] == "action" and s["node"] in ("first", "second")}
    assert waits == {"first": "skipped", "second": "replied"}, waits
    assert run["status"] == "succeeded" and run["current_node"] == "second", run
