"""The calendar and calendar sync together, against the fake Google Calendar: busy time in Google hides slots, a
booking is written there, its own mirrored event never blocks moving it, and moves and deletions made in Google
come back to the appointment (once, without echoing back to Google)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra.local.calendar_fakes import FakeCalendars
from tests.integration.calendar_helpers import booking, booking_page, event_type, offered, schedule
from tests.integration.conftest import drain_queue
from tests.integration.test_tasks_api import recorded_events
from tests.support.apps import Api, load_module
from tests.support.calendars import fake_calendars
from tests.support.oauth import connect, oauth_stub

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)


def _at(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sync(cloud: Any) -> int:
    """Calendar sync's consumer: appointment events written to the host's calendars."""
    return drain_queue(cloud, "CalendarSyncEventsQueue", load_module("functions/calendar_sync").on_calendar_event)


def _follower(cloud: Any) -> tuple[Callable[[], int], Callable[[], int]]:
    """The calendar's consumer of external changes: (drain it, deliver again everything it was given)."""
    handler = load_module("functions/calendar").on_external_change
    bodies: list[str] = []

    def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
        bodies.extend(r["body"] for r in event["Records"])
        return dict(handler(event, context))

    def redeliver() -> int:
        url = cloud.resources["CalendarExternalChangesQueue"].url
        for body in list(bodies):
            boto3.client("sqs").send_message(QueueUrl=url, MessageBody=body)
        return drain_queue(cloud, "CalendarExternalChangesQueue", handler)

    return (lambda: drain_queue(cloud, "CalendarExternalChangesQueue", recording)), redeliver


def _google_event(fake: FakeCalendars, title: str) -> dict[str, Any]:
    return next(e for e in fake.google.values() if e.get("summary") == title and e["status"] != "cancelled")


def test_google_busy_time_bookings_and_external_changes_round_trip(api: Api, owner: dict[str, Any],
                                                                  cloud: Any) -> None:
    token = owner["access_token"]
    schedule(api, token, timezone="UTC", weekly={day: [{"start": "08:00", "end": "23:00"}] for day in DAYS})
    event_type(api, token, slot_interval=30)
    page = booking_page(api, token)
    with oauth_stub() as stub, fake_calendars(stub) as fake:
        # Given the host connected Google, where 14:00-15:00 is a dentist appointment
        fake.add("google", _at(14), _at(15), "Dentist")
        connect(api, token, "google")
        _sync(cloud)
        calls = sum(fake.calls.values())
        # When the public page lists the day's slots
        day = DAY.date().isoformat()
        starts = [datetime.fromisoformat(s["start"]).astimezone(UTC) for s in offered(api, page, "intro-call", day,
                                                                                         day, timezone="UTC")]
        # Then the dentist's hour is not offered, the hours around it are, and Google was not asked
        taken = [s for s in starts if DAY + timedelta(hours=13, minutes=31) <= s < DAY + timedelta(hours=15)]
        assert taken == [] and DAY + timedelta(hours=13.5) in starts and DAY + timedelta(hours=15) in starts
        assert sum(fake.calls.values()) == calls

        # When a visitor books an hour at 16:00 and calendar sync consumes the event
        made = api.post(f"/book/{page}/intro-call/bookings", booking(_at(16), duration=60))
        assert made.status == 201, made
        appointment_id = made.body["appointment"]["id"]
        _sync(cloud)
        # Then Google has the booking, titled with the event type and the booker, at its time
        mine = _google_event(fake, "Intro call with Ada Lovelace")
        assert (mine["start"]["dateTime"], mine["end"]["dateTime"]) == (_at(16), _at(17))
        assert mine["attendees"][0]["email"] == "ada@example.com"

        # When the owner moves it half an hour later, overlapping its own event mirrored in Google
        moved = api.post(f"/appointments/{appointment_id}/reschedule", {"start": _at(16.5)}, token=token)
        # Then that is allowed (its own mirror is not busy time), and Google follows
        assert moved.status == 200, moved
        _sync(cloud)
        assert (mine["start"]["dateTime"], mine["end"]["dateTime"]) == (_at(16.5), _at(17.5))
        # But the dentist still blocks a move onto it
        assert api.post(f"/appointments/{appointment_id}/reschedule", {"start": _at(14.5)}, token=token).status == 409

        # When the host moves the event in Google to 19:00 and Google pushes
        follow, redeliver = _follower(cloud)
        channel = next(iter(fake.channels))
        fake.move("google", mine["id"], _at(19), _at(20))
        assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(channel)).status == 200
        patches = fake.calls["google PATCH calendars/primary/events/{id}"]
        assert follow() == 1
        # Then the appointment moved there, and its rescheduled event does not write back to Google
        stored = api.get(f"/appointments/{appointment_id}", token=token).body
        assert (stored["start"], stored["end"], stored["status"]) == (_at(19), _at(20), "booked")
        assert _sync(cloud) == 1 and fake.calls["google PATCH calendars/primary/events/{id}"] == patches

        # When another visitor books 21:00 and the host then drags the first event onto it in Google
        assert api.post(f"/book/{page}/intro-call/bookings", booking(_at(21), email="bob@example.com")).status == 201
        _sync(cloud)
        fake.move("google", mine["id"], _at(21), _at(22))
        assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(channel)).status == 200
        assert follow() == 1
        # Then the appointment stays at 19:00 and the host is told in the app
        assert api.get(f"/appointments/{appointment_id}", token=token).body["start"] == _at(19)
        notes = api.get("/notifications", token=token).body["items"]
        assert [n["type"] for n in notes] == ["integration_attention"] and "was not moved" in notes[0]["title"]

        # When the host deletes the event in Google
        fake.delete("google", mine["id"])
        assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(channel)).status == 200
        assert follow() == 1
        # Then the appointment is cancelled, and Google is not asked to delete it again
        stored = api.get(f"/appointments/{appointment_id}", token=token).body
        assert stored["status"] == "cancelled"
        _sync(cloud)
        assert fake.calls["google DELETE calendars/primary/events/{id}"] == 0

        # When every external change is delivered again
        events = len(recorded_events(cloud, "appointment."))
        assert redeliver() == 3
        # Then nothing changed: same appointment version, no new event, no second notification
        assert api.get(f"/appointments/{appointment_id}", token=token).body == stored
        assert len(recorded_events(cloud, "appointment.")) == events
        assert len(api.get("/notifications", token=token).body["items"]) == 1
