"""Scheduled texts and quiet hours: deferred to the contact's send window, never dropped; time-scaled."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leadpilot.settings import get_settings
from leadpilot.sms import worker as sms_worker
from leadpilot.sms.config import messaging_config
from leadpilot.sms.provider import SandboxProvider, sandbox_outbox
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, setup_workspace
from tests.support.apps import Api

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_text_outside_quiet_hours_waits_for_the_contacts_window(sms_cloud: Any, api: Api,
                                                                  owner: dict[str, Any]) -> None:
    # Given texts allowed 09:00-17:00 in the contact's zone (a San Francisco number: Los Angeles time)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    assert api.call("PUT", "/messaging/settings", {"quiet_hours": {"enabled": True, "start": "09:00", "end": "17:00"}},
                    token=token).status == 200
    message_id = api.post("/sms", {"contact_id": contact_id, "body": "Morning!"}, token=token).body["id"]

    # When the worker runs at 03:00 in Los Angeles
    night = (datetime.now(LA) + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    result = sms_worker.deliver(get_settings(), messaging_config(), SandboxProvider(), ws, message_id, now=night)

    # Then the text is deferred to 09:00 Los Angeles time, still queued, and nothing is sent
    assert result == "deferred"
    shown = api.get(f"/sms/{message_id}", token=token).body
    assert shown["status"] == "queued" and shown["deferred"] is True
    assert shown["send_at"] == _iso(night.replace(hour=9))
    assert sandbox_outbox(ws) == []

    # When the window opens
    result = sms_worker.deliver(get_settings(), messaging_config(), SandboxProvider(), ws, message_id,
                                now=night.replace(hour=9, minute=0, second=1))

    # Then it is sent
    assert result == "sent" and [m["body"] for m in sandbox_outbox(ws)] == ["Morning!"]


def test_a_scheduled_text_goes_out_at_its_time_and_time_scale_speeds_it_up(
        cloud: Any, api: Api, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given time running 259200 times faster (three days last one second)
    iterator = configure_sandbox(cloud, monkeypatch, LEADPILOT_TIME_SCALE="259200")
    next(iterator)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id = setup_workspace(api, token)["contact"]["id"]

    # When a text is scheduled fifteen days ahead (five seconds here: room for a slow request)
    send_at = datetime.now(UTC) + timedelta(days=15)
    reply = api.post("/sms", {"contact_id": contact_id, "body": "Reminder", "send_at": _iso(send_at)}, token=token)

    # Then it is scheduled, not sent at once (a queue message that comes early is put back), and sent a few
    # seconds later
    assert reply.status == 202 and reply.body["status"] == "scheduled" and reply.body["send_at"] == _iso(send_at)
    drain_sends(cloud)
    assert sandbox_outbox(ws) == []
    assert api.get(f"/sms/{reply.body['id']}", token=token).body["status"] == "scheduled"
    deadline = time.monotonic() + 30
    while not sandbox_outbox(ws) and time.monotonic() < deadline:
        time.sleep(0.3)
        drain_sends(cloud)
    assert [m["body"] for m in sandbox_outbox(ws)] == ["Reminder"]
    next(iterator, None)


def test_a_scheduled_text_can_be_cancelled_and_is_refunded(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a text scheduled for tomorrow
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id = setup_workspace(api, token)["contact"]["id"]
    tomorrow = _iso(datetime.now(UTC) + timedelta(days=1))
    message_id = api.post("/sms", {"contact_id": contact_id, "body": "Later", "send_at": tomorrow},
                          token=token).body["id"]

    # When it is cancelled, and cancelled again
    first = api.post(f"/sms/{message_id}/cancel", token=token)
    again = api.post(f"/sms/{message_id}/cancel", token=token)

    # Then it is cancelled, never sent (even when its time comes) and not charged
    assert first.status == 200 and first.body["status"] == "cancelled"
    assert again.status == 422
    later = datetime.now(UTC) + timedelta(days=2)
    result = sms_worker.deliver(get_settings(), messaging_config(), SandboxProvider(), ws, message_id, now=later)
    assert result == "done"
    assert sandbox_outbox(ws) == []
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["month"]["used"] == 0
