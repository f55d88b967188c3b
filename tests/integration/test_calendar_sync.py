"""Calendar sync against fake Google Calendar and Graph servers (the real google-api-python-client and HTTP),
with the OAuth vault's tokens from the OAuth stub: the busy cache, bookings written once, pushes verified, external
changes published, 410 resync, renewal, and a connection that needs reconnecting."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from infra.local.calendar_fakes import FakeCalendars
from infra.local.oauth_stub import OAuthStub
from leadpilot.calendar_sync import watches
from leadpilot.calendar_sync.busy import busy_intervals, hosts_busy
from leadpilot.calendar_sync.config import sync_config
from leadpilot.calendar_sync.google import GoogleCalendar
from leadpilot.calendar_sync.links import link
from leadpilot.calendar_sync.providers import TokenRejected
from leadpilot.ids import new_id
from leadpilot.integrations.models import OAuthConnectionItem, connection_sk, integrations_pk
from leadpilot.settings import get_settings
from tests.integration.conftest import drain_queue
from tests.support.apps import Api, load_module
from tests.support.calendars import fake_calendars
from tests.support.oauth import connect, oauth_stub

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)


def _at(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def host(api: Api, owner: dict[str, Any], cloud: Any) -> Iterator[dict[str, Any]]:
    """The owner with Google and Microsoft connected, and the connections' events consumed."""
    with oauth_stub() as stub, fake_calendars(stub) as fake:
        fake.add("google", _at(9), _at(10), "Dentist")
        fake.add("microsoft", _at(9.5), _at(11), "Standup")
        for provider in ("google", "microsoft"):
            connect(api, owner["access_token"], provider)
        _consume(cloud)
        yield {"ws": owner["workspace"]["id"], "user": owner["user"]["id"], "stub": stub, "fake": fake,
               "token": owner["access_token"]}


def _consume(cloud: Any) -> int:
    return drain_queue(cloud, "CalendarSyncEventsQueue", load_module("functions/calendar_sync").on_calendar_event)


def _appointment_event(cloud: Any, host: dict[str, Any], kind: str, appointment: dict[str, Any]) -> None:
    """Put an appointment event on the bus as the calendar capability does (source leadpilot.appointments)."""
    detail = {"id": new_id(), "type": kind, "version": 1, "workspace_id": host["ws"],
              "occurred_at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
              "actor": {"type": "user", "id": host["user"]}, "data": {"appointment": appointment}, "changes": {}}
    boto3.client("events").put_events(Entries=[{
        "EventBusName": get_settings().event_bus_name, "Source": "leadpilot.appointments", "DetailType": kind,
        "Detail": json.dumps(detail)}])


def _appointment(host: dict[str, Any], start: str, end: str, event_type_name: str, **extra: Any) -> dict[str, Any]:
    """An appointment as the calendar capability's events carry it (data.appointment)."""
    return {"id": new_id(), "event_type_name": event_type_name, "host_id": host["user"], "host_ids": [host["user"]],
            "start": start, "end": end, "timezone": "Europe/Paris", "status": "booked", "name": None, "email": None,
            "phone": None, "location": {"kind": "phone", "value": None}, **extra}


def _external_changes() -> Callable[[], list[dict[str, Any]]]:
    """A queue subscribed to calendar.external_event_changed; returns a reader of everything that arrived."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="external-changes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = get_settings().event_bus_name
    events.put_rule(Name="external-changes", EventBusName=bus, EventPattern=json.dumps(
        {"source": ["leadpilot.calendars"], "detail-type": ["calendar.external_event_changed"]}))
    events.put_targets(Rule="external-changes", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    seen: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            seen.append(json.loads(m["Body"])["detail"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return seen

    return read


def _schema() -> Draft202012Validator:
    schema = json.loads((ROOT / "events/schemas/calendar.external_event_changed.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_connecting_fills_the_busy_cache_and_availability_reads_only_the_cache(host: dict[str, Any]) -> None:
    fake: FakeCalendars = host["fake"]
    settings = get_settings()
    # Given the host connected both calendars (each then had a push channel opened)
    assert len(fake.channels) == 1 and len(fake.subscriptions) == 1
    calls = sum(fake.calls.values())
    # When availability asks for the host's busy times
    busy = busy_intervals(settings, host["ws"], host["user"], DAY, DAY + timedelta(days=1))
    # Then both calendars' busy times come back merged, and neither provider was called
    assert busy == [(DAY + timedelta(hours=9), DAY + timedelta(hours=11))]
    assert sum(fake.calls.values()) == calls
    # And read for several hosts at once (one batch by key), each host gets its own; one with nothing, nothing
    assert hosts_busy(settings, host["ws"], [host["user"], "usr_without_calendars"], DAY,
                      DAY + timedelta(days=1)) == {host["user"]: busy, "usr_without_calendars": []}
    # And the Calendar API refuses a token the OAuth server did not issue (the client sees TokenRejected)
    with pytest.raises(TokenRejected):
        GoogleCalendar(fake.google_api, 5).busy("not-a-token", 0, 3600)
    # And a window that misses them is empty
    later = DAY + timedelta(hours=12)
    assert busy_intervals(settings, host["ws"], host["user"], later, later + timedelta(hours=1)) == []


def test_a_booking_is_created_patched_and_deleted_once_each_despite_redelivery(
        host: dict[str, Any], cloud: Any) -> None:
    fake: FakeCalendars = host["fake"]
    appointment = _appointment(host, _at(14), _at(14.5), "Intro call", name="Ada Lovelace", email="ada@example.com",
                               location={"kind": "video", "value": "https://zoom.example/j/1"})
    moved = {**appointment, "start": _at(15), "end": _at(15.5)}
    for kind, body in (("appointment.booked", appointment), ("appointment.rescheduled", moved),
                       ("appointment.cancelled", {**moved, "status": "cancelled"})):
        # When each appointment event is delivered twice (and the first again after it)
        _appointment_event(cloud, host, kind, body)
        _consume(cloud)
        _appointment_event(cloud, host, kind, body)
        _consume(cloud)
        if kind == "appointment.booked":
            # Then the booking is one event in each calendar, with the contact as attendee, and it is busy time
            mine = [e for e in fake.google.values() if e.get("summary") == "Intro call with Ada Lovelace"]
            assert len(mine) == 1 and mine[0]["attendees"][0]["email"] == "ada@example.com"
            assert mine[0]["location"] == "https://zoom.example/j/1"
            assert len([e for e in fake.graph.values() if e.get("subject") == "Intro call with Ada Lovelace"]) == 1
            assert (DAY + timedelta(hours=14), DAY + timedelta(hours=14.5)) in busy_intervals(
                get_settings(), host["ws"], host["user"], DAY, DAY + timedelta(days=1))
    # Then each provider saw exactly one create, one update and one delete
    assert fake.calls["google POST calendars/primary/events"] == 1
    assert fake.calls["google PATCH calendars/primary/events/{id}"] == 1
    assert fake.calls["google DELETE calendars/primary/events/{id}"] == 1
    assert fake.calls["graph POST me/events"] == 1
    assert fake.calls["graph PATCH me/events/{id}"] == 1
    assert fake.calls["graph DELETE me/events/{id}"] == 1
    # And the event is gone from both calendars, and from the busy cache
    assert all(e["status"] == "cancelled" for e in [*fake.google.values(), *fake.graph.values()]
               if "Ada" in str(e.get("summary") or e.get("subject")))
    assert busy_intervals(get_settings(), host["ws"], host["user"], DAY + timedelta(hours=14),
                          DAY + timedelta(hours=16)) == []


def test_pushes_are_verified_and_external_moves_and_deletions_are_published(
        api: Api, host: dict[str, Any], cloud: Any) -> None:
    fake: FakeCalendars = host["fake"]
    read = _external_changes()
    appointment = _appointment(host, _at(13), _at(14), "Demo")
    _appointment_event(cloud, host, "appointment.booked", appointment)
    _consume(cloud)
    google_id = next(e["id"] for e in fake.google.values() if e.get("summary") == "Demo")
    graph_id = next(e["id"] for e in fake.graph.values() if e.get("subject") == "Demo")
    channel = next(iter(fake.channels))
    subscription = next(iter(fake.subscriptions))
    # Given the host moves the event in Google
    fake.move("google", google_id, _at(16), _at(17))
    calls = sum(fake.calls.values())
    # When pushes arrive with a wrong token, with another channel's id, or with no headers at all
    for headers in (fake.google_push(channel, token="forged"), {**fake.google_push(channel), "X-Goog-Channel-ID": "x"},
                    {}):
        reply = api.post("/calendar-sync/webhooks/google", headers=headers)
        # Then each is a 403 and nothing was read or published
        assert reply.status == 403 and reply.body["error"]["code"] == "forbidden", reply
    assert sum(fake.calls.values()) == calls and read() == []
    # When Google's real push arrives
    assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(channel)).status == 200
    # Then the move is published for the calendar capability, valid against its schema
    published = read()
    assert [(e["data"]["change"], e["data"]["start"], e["data"]["end"]) for e in published] == [
        ("moved", _at(16), _at(17))]
    assert published[0]["data"]["appointment_id"] == appointment["id"]
    _schema().validate(published[0])
    # And the busy cache follows the move
    busy = busy_intervals(get_settings(), host["ws"], host["user"], DAY + timedelta(hours=12),
                          DAY + timedelta(hours=18))
    assert busy == [(DAY + timedelta(hours=13), DAY + timedelta(hours=14)),  # still in Outlook
                    (DAY + timedelta(hours=16), DAY + timedelta(hours=17))]
    # When the sync token has gone stale (410) and the host deletes the event
    fake.expire_sync_tokens()
    fake.delete("google", google_id)
    assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(channel)).status == 200
    # Then a full resync finds the deletion and publishes it once
    assert [e["data"]["change"] for e in read()] == ["moved", "cancelled"]
    assert fake.calls["google GET calendars/primary/events"] >= 3
    # And Microsoft: the validation handshake echoes its token; a wrong clientState is 403 with nothing changed
    echo = api.call("POST", "/calendar-sync/webhooks/microsoft?validationToken=abc%20123", raw="")
    assert echo.status == 200 and echo.raw == "abc 123" and echo.headers["content-type"].startswith("text/plain")
    fake.move("microsoft", graph_id, _at(8), _at(8.5))
    forged = api.post("/calendar-sync/webhooks/microsoft", fake.graph_push(subscription, graph_id, "w.u.microsoft.x"))
    assert forged.status == 403 and len(read()) == 2
    # When Graph's real notification arrives, the move in Outlook is published too
    assert api.post("/calendar-sync/webhooks/microsoft", fake.graph_push(subscription, graph_id)).status == 202
    last = read()[-1]
    assert (last["data"]["provider"], last["data"]["change"], last["data"]["start"]) == ("microsoft", "moved", _at(8))


def test_renewal_replaces_channels_and_extends_subscriptions_near_expiry(api: Api, host: dict[str, Any]) -> None:
    fake: FakeCalendars = host["fake"]
    settings = get_settings()
    old_channel = next(iter(fake.channels))
    subscription = next(iter(fake.subscriptions))
    before = fake.subscriptions[subscription]["expirationDateTime"]
    # When renewal runs while nothing expires within a day, nothing is renewed
    assert load_module("functions/calendar_sync").renew_watches({}, None) == {"renewed": 0}
    # When it runs six days later (Google's channel and Microsoft's subscription both close to expiry)
    renewed = watches.renew_due(settings, sync_config(), now=int(time.time()) + 6 * 86400 + 3600)
    # Then Google got a new channel and the old one was stopped; Microsoft's subscription was extended in place
    assert renewed == 2
    assert old_channel not in fake.channels and len(fake.channels) == 1
    assert list(fake.subscriptions) == [subscription]
    assert fake.subscriptions[subscription]["expirationDateTime"] >= before
    # And a push on the old channel is refused, one on the new channel accepted
    gone = {"X-Goog-Channel-ID": old_channel, "X-Goog-Channel-Token": "x"}
    assert api.post("/calendar-sync/webhooks/google", headers=gone).status == 403
    fresh = next(iter(fake.channels))
    assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(fresh)).status == 200
    assert link(settings, host["ws"], host["user"], "google").channel_id == fresh  # type: ignore[union-attr]
    # When a deployment has no public webhook base, a due link is synced and its busy cache refreshed on each run
    fake.add("google", _at(20), _at(21), "Late meeting")
    unpushed = replace(sync_config(), webhook_base_url="")
    assert watches.renew_due(settings, unpushed, now=int(time.time()) + 13 * 86400) == 2
    assert list(fake.channels) == [fresh]
    assert (DAY + timedelta(hours=20), DAY + timedelta(hours=21)) in busy_intervals(
        settings, host["ws"], host["user"], DAY, DAY + timedelta(days=1))


def test_a_connection_that_needs_reconnecting_is_marked_and_skipped(host: dict[str, Any], cloud: Any) -> None:
    fake: FakeCalendars = host["fake"]
    stub: OAuthStub = host["stub"]
    settings = get_settings()
    # Given Google revoked the grant and the current tokens are past their refresh margin
    stub.refresh_outcome = "invalid_grant"
    for provider in ("google", "microsoft"):
        item = OAuthConnectionItem.get(integrations_pk(host["ws"]), connection_sk(provider, host["user"]))
        item.update(actions=[OAuthConnectionItem.token_expires_at.set(int(time.time()) + 30)])
    # When a booking arrives for the host
    _appointment_event(cloud, host, "appointment.booked", _appointment(host, _at(14), _at(15), "Call"))
    # Then the consumer does not fail (nothing left in the queue), nothing was written, and the links are marked
    assert _consume(cloud) == 1
    assert not [e for e in [*fake.google.values(), *fake.graph.values()] if "Call" in str(e.get("summary")
                                                                                         or e.get("subject"))]
    assert link(settings, host["ws"], host["user"], "google").status == "reconnect_needed"  # type: ignore[union-attr]
    # And the busy cache still answers from what it had
    assert busy_intervals(settings, host["ws"], host["user"], DAY, DAY + timedelta(days=1))
