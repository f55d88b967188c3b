"""Sequences on the automation runtime: Day 1/3/7 steps with a send window, enrollment, exits, history, stats."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from leadpilot.automation.runs.config import runtime_config
from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import THREE_DAYS_IN_ONE_SECOND, automations
from tests.integration.test_email_helpers import captured, contact, email_app, path_of, signed, verified_sender
from tests.support.apps import Api

STEPS = [{"day": 1, "subject": "Welcome {{first_name|there}}", "body": "Hi **{{first_name|there}}**!"},
         {"day": 3, "subject": "Tips", "body": "Three tips for {{company|your team}}."},
         {"day": 7, "subject": "Last one", "body": "Shall we talk? [Book](https://acme.test/book)"}]
WINDOW = {"from_hour": 9, "to_hour": 17, "weekdays": ["mon", "tue", "wed", "thu", "fri"], "timezone": "contact"}


@pytest.fixture
def fast_time(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", str(round(1 / THREE_DAYS_IN_ONE_SECOND)))  # 3 days = 1 s
    runtime_config.cache_clear()
    yield
    runtime_config.cache_clear()


def _sequence(api: Api, token: str, **extra: Any) -> dict[str, Any]:
    reply = api.post("/sequences", {"name": "Welcome", "steps": STEPS, "send_window": WINDOW, **extra}, token=token)
    assert reply.status == 201, reply
    return dict(reply.body)


def _pump(cloud: Any) -> None:
    """One turn of every consumer the local cloud would run; exits and triggers first, so an event that is
    already queued is applied before the next step's action (the local cloud runs them side by side)."""
    drain_queue(cloud, "SequenceEventsQueue", email_app().on_sequence_event)
    drain_queue(cloud, "AutomationTriggersQueue", automations().on_trigger)
    drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
    drain_queue(cloud, "EmailSendQueue", email_app().on_send)


def _run_until(cloud: Any, api: Api, token: str, contact_id: str, done: Any, limit_s: float = 30) -> list[dict]:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        _pump(cloud)
        history = api.get(f"/contacts/{contact_id}/sequences", token=token).body["items"]
        if done(history):
            return list(history)
        time.sleep(0.1)
    raise AssertionError(f"sequence did not get there in {limit_s}s: {history}")


def _mails_to(api: Api, token: str, address: str) -> list[dict[str, Any]]:
    return [m for m in captured(api, token) if address in m["to"]]


def _ended(history: list[dict[str, Any]]) -> bool:
    return bool(history) and history[0]["status"] != "running"


def test_a_sequence_sends_its_three_steps_in_the_window_and_counts_them(cloud: Any, api: Api, owner: dict[str, Any],
                                                                       fast_time: None) -> None:
    # Given a verified sender, a Day 1/3/7 sequence with a weekday 9-17 window in the contact's zone, a contact
    token = owner["access_token"]
    verified_sender(api, token)
    sequence = _sequence(api, token)
    contact_id = contact(api, token, "ada@example.com")
    # When the contact is enrolled by hand
    enrolled = api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [contact_id]}, token=token)
    assert enrolled.status == 200 and enrolled.body["items"][0]["status"] == "enrolled", enrolled
    history = _run_until(cloud, api, token, contact_id, _ended)
    # Then all three steps went out through SES, in order, and the run completed
    subjects = [m["subject"] for m in reversed(_mails_to(api, token, "ada@example.com"))]
    assert subjects == ["Welcome Ada", "Tips", "Last one"]
    assert history[0]["status"] == "succeeded" and history[0]["exit_reason"] is None
    # And the stats count one send per step
    stats = api.get(f"/sequences/{sequence['id']}/stats", token=token).body
    assert stats["enrolled"] == 1 and stats["totals"]["sent"] == 3
    assert [s["sent"] for s in stats["steps"]] == [1, 1, 1]


def test_a_reply_ends_the_sequence_and_is_counted(cloud: Any, api: Api, owner: dict[str, Any],
                                                  fast_time: None) -> None:
    # Given a contact in the sequence who got the first email
    token = owner["access_token"]
    verified_sender(api, token)
    sequence = _sequence(api, token)
    contact_id = contact(api, token, "bo@example.com")
    api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [contact_id]}, token=token)
    deadline = time.monotonic() + 20
    while not _mails_to(api, token, "bo@example.com") and time.monotonic() < deadline:
        _pump(cloud)
    first = _mails_to(api, token, "bo@example.com")[0]
    # When the contact replies to it
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "bo@example.com", first["reply_to"], "Re: " + first["subject"]
    reply["In-Reply-To"] = first["message_id_header"]
    reply.set_content("Interested!")
    raw = reply.as_bytes()
    assert api.call("POST", "/email/inbound", raw=raw.decode(), headers=signed(raw)).body["status"] == "recorded"
    history = _run_until(cloud, api, token, contact_id, _ended)
    # Then no further step is sent, the run ended, and the reply counts for step 1
    _pump(cloud)
    assert len(_mails_to(api, token, "bo@example.com")) == 1
    assert history[0]["status"] in ("succeeded", "cancelled")
    assert history[0]["exit_reason"] in (None, "replied")
    stats = api.get(f"/sequences/{sequence['id']}/stats", token=token).body
    assert stats["steps"][0]["replies"] == 1 and stats["steps"][0]["replies_rate"] == 1.0


@pytest.fixture
def three_days_in_three_seconds(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Slow enough that the steps after Day 1 are seconds away while the test unsubscribes and books, even on a
    loaded machine (at 3 days = 1 s a Day 7 step could come before the exit did)."""
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", str(round(1 / THREE_DAYS_IN_ONE_SECOND / 3)))  # 86,400x
    runtime_config.cache_clear()
    yield
    runtime_config.cache_clear()


def test_unsubscribe_and_a_goal_event_take_contacts_out(cloud: Any, api: Api, owner: dict[str, Any],
                                                        three_days_in_three_seconds: None) -> None:
    # Given two contacts enrolled in bulk in a sequence whose goal is a booked appointment
    token = owner["access_token"]
    verified_sender(api, token)
    sequence = _sequence(api, token, goal_events=["appointment.booked"])
    quitter, booker = contact(api, token, "quit@example.com"), contact(api, token, "book@example.com")
    enrolled = api.post(f"/sequences/{sequence['id']}/enrollments",
                        {"contact_ids": [quitter, booker, "01M80A45J90JMESM0AR82N1PFF"]}, token=token).body
    assert [i["status"] for i in enrolled["items"]] == ["enrolled", "enrolled", "not_found"]
    again = api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [quitter]}, token=token).body
    assert again["items"][0]["status"] == "already_enrolled"  # never two active runs
    deadline = time.monotonic() + 20
    while len(captured(api, token)) < 2 and time.monotonic() < deadline:
        _pump(cloud)
    # When one unsubscribes (one-click) and the other books an appointment (a goal event on the bus)
    mail = _mails_to(api, token, "quit@example.com")[0]
    assert api.call("POST", path_of(mail["list_unsubscribe"].strip("<>")), raw="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"}).status == 200
    boto3.client("events").put_events(Entries=[{
        "EventBusName": cloud.resources["EventBus"].name, "Source": "leadpilot.appointments",
        "DetailType": "appointment.booked",
        "Detail": json.dumps({"id": "01M80D00000000000000000001", "type": "appointment.booked", "version": 1,
                              "workspace_id": owner["workspace"]["id"], "occurred_at": "2026-11-22T04:00:00Z",
                              "actor": {"type": "system", "id": "calendar"},
                              "data": {"contact_id": booker}, "changes": {}})}])
    # Then both leave the sequence with their reason, and no further steps go out
    quit_history = _run_until(cloud, api, token, quitter, _ended)
    book_history = _run_until(cloud, api, token, booker, _ended)
    assert (quit_history[0]["status"], quit_history[0]["exit_reason"]) == ("cancelled", "unsubscribed")
    assert (book_history[0]["status"], book_history[0]["exit_reason"]) == ("cancelled", "goal:appointment.booked")
    _pump(cloud)
    assert len(_mails_to(api, token, "quit@example.com")) == 1 and len(_mails_to(api, token, "book@example.com")) == 1
    assert api.get(f"/sequences/{sequence['id']}/stats", token=token).body["steps"][0]["unsubscribes"] == 1


def test_a_bad_sequence_is_refused_naming_the_step(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    cases = [([{**STEPS[0]}, {**STEPS[1], "day": 1}], "steps/1/day"),
             ([{**STEPS[0], "body": "Hi {{nickname}}"}], "steps/0/body"),
             ([{**STEPS[0], "subject": ""}], "steps/0/subject"),
             ([], "steps")]
    for steps, field in cases:
        reply = api.post("/sequences", {"name": "Bad", "steps": steps}, token=token)
        assert reply.status == 422 and field in reply.raw, (field, reply)
    assert api.get("/sequences", token=token).body["items"] == []
    assert api.get("/flows", token=token).body["items"] == []  # nothing half-made


def test_editing_a_sequence_publishes_a_new_version_and_running_contacts_keep_theirs(
        cloud: Any, api: Api, owner: dict[str, Any], fast_time: None) -> None:
    # Given a contact in a one-step sequence
    token = owner["access_token"]
    verified_sender(api, token)
    sequence = api.post("/sequences", {"name": "Edit", "steps": [STEPS[0]], "reply_window_days": 1},
                        token=token).body
    early = contact(api, token, "early@example.com")
    api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [early]}, token=token)
    # When the first step's subject is changed (and a bad change is refused, naming the step)
    bad = api.patch(f"/sequences/{sequence['id']}", {"steps": [{**STEPS[0], "body": "{{nope}}"}]}, token=token)
    assert bad.status == 422 and "steps/0/body" in bad.raw
    changed = api.patch(f"/sequences/{sequence['id']}", {"steps": [{**STEPS[0], "subject": "New hello"}]},
                        token=token)
    assert changed.status == 200 and changed.body["steps"][0]["subject"] == "New hello"
    late = contact(api, token, "late@example.com")
    api.post(f"/sequences/{sequence['id']}/enrollments", {"contact_ids": [late]}, token=token)
    _run_until(cloud, api, token, late, _ended)
    _run_until(cloud, api, token, early, _ended)
    # Then the early contact got the version it started, the late one the new one
    assert [m["subject"] for m in _mails_to(api, token, "early@example.com")] == ["Welcome Ada"]
    assert [m["subject"] for m in _mails_to(api, token, "late@example.com")] == ["New hello"]
