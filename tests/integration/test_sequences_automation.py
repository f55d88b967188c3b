"""Sequences and flows meeting the send path: enrolment by a trigger event, do-not-contact, idempotent actions."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.runs.config import runtime_config
from leadpilot.email.automation import send_email_action
from leadpilot.settings import get_settings
from tests.integration.test_automation_runtime_helpers import THREE_DAYS_IN_ONE_SECOND
from tests.integration.test_email_helpers import captured, contact, deliver, verified_sender
from tests.integration.test_sequences import _pump
from tests.support.apps import Api

STEP = [{"day": 1, "subject": "Welcome aboard", "body": "Hi {{first_name|there}}"}]


@pytest.fixture
def fast_time(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", str(round(1 / THREE_DAYS_IN_ONE_SECOND)))
    runtime_config.cache_clear()
    yield
    runtime_config.cache_clear()


def test_a_trigger_event_enrols_a_contact_through_the_runtime(cloud: Any, api: Api, owner: dict[str, Any],
                                                               fast_time: None) -> None:
    # Given a sequence that enrols contacts tagged "trial"
    token = owner["access_token"]
    verified_sender(api, token)
    sequence = api.post("/sequences", {"name": "Trial", "steps": STEP, "trigger": {
        "event": "contact.tag_added", "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "trial"}]}},
        token=token)
    assert sequence.status == 201, sequence
    contact_id = contact(api, token, "trial@example.com")
    # When the contact is tagged (the automation trigger consumer sees contact.tag_added)
    assert api.post(f"/contacts/{contact_id}/tags", {"add": ["trial"]}, token=token).status == 200
    deadline = time.monotonic() + 20
    while not captured(api, token) and time.monotonic() < deadline:
        _pump(cloud)
    # Then the sequence's first email went out and the contact's history shows the run
    assert [m["subject"] for m in captured(api, token)] == ["Welcome aboard"]
    history = api.get(f"/contacts/{contact_id}/sequences", token=token).body["items"]
    assert [h["sequence_id"] for h in history] == [sequence.body["id"]]


def test_a_do_not_contact_contact_goes_through_without_emails(cloud: Any, api: Api, owner: dict[str, Any],
                                                              fast_time: None) -> None:
    token = owner["access_token"]
    verified_sender(api, token)
    sequence = api.post("/sequences", {"name": "Quiet", "steps": STEP, "reply_window_days": 1}, token=token).body
    quiet = contact(api, token, "quiet@example.com", do_not_contact=True)
    api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [quiet]}, token=token)
    deadline = time.monotonic() + 20
    history: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        _pump(cloud)
        history = api.get(f"/contacts/{quiet}/sequences", token=token).body["items"]
        if history and history[0]["status"] != "running":
            break
        time.sleep(0.1)
    assert history[0]["status"] == "succeeded"
    assert captured(api, token) == []


def test_a_repeated_send_email_action_queues_and_sends_one_email(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a flow action about to send an email
    token = owner["access_token"]
    verified_sender(api, token)
    contact_id = contact(api, token, "once@example.com")
    ws = owner["workspace"]["id"]
    config = {"subject": "Hello {{contact.first_name}}", "body": "Body for {{contact.first_name|you}}"}
    args = dict(flow_id="01M80A45J90JMESM0AR82N1PFF", node="send1", run_id="RUN1", action_key="send1#0#-")
    # When the worker performs it twice (a redelivery whose marker was still pending) and the send queue runs
    first = send_email_action(get_settings(), ws, contact_id, config, {"contact": {}}, **args)
    second = send_email_action(get_settings(), ws, contact_id, config, {"contact": {}}, **args)
    deliver(cloud)
    # Then both answers name one message, and SES got it once
    assert first["message_id"] == second["message_id"] and first["sent"] is True
    assert [m["subject"] for m in captured(api, token)] == ["Hello Ada"]
