"""Calendar and booking inside moto: configuration, the public page, one booking per slot, signed links, events."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email import message_from_string, policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leadpilot.calendar.notify import local_label
from leadpilot.calendar.reminders import fire_due_reminders
from leadpilot.clock import now_epoch
from leadpilot.email.provider import captured
from leadpilot.identity import rate_limit
from leadpilot.settings import get_settings
from tests.integration.calendar_helpers import (
    booking,
    booking_page,
    days_ahead,
    event_type,
    offered,
    schedule,
)
from tests.integration.conftest import receive_events, sign_up
from tests.integration.test_email_helpers import deliver, verified_sender
from tests.integration.test_tasks_api import recorded_events, schema_errors
from tests.support.apps import Api

UNKNOWN = "01M80A45J90JMESM0AR82N1PFF"


def _field(reply: Any) -> str:
    return str(reply.body["error"]["details"]["errors"][0]["field"])


def test_schedules_and_event_types_validate_and_round_trip(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    # Given bad schedules: each is a 422 naming the field
    bad = [({"timezone": "Mars/Olympus"}, "timezone"),
           ({"weekly": {"mon": [{"start": "10:00", "end": "09:00"}]}}, "weekly/mon/0/end"),
           ({"weekly": {"mon": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}},
            "weekly/mon/1/start"),
           ({"weekly": {"mon": [{"start": "09:07", "end": "12:00"}]}}, "weekly/mon/0/start"),
           ({"overrides": [{"date": "2026-02-30", "intervals": []}]}, "overrides/0/date")]
    for change, field in bad:
        body = {"name": "x", "timezone": "America/New_York", "weekly": {}, **change}
        reply = api.post("/availability/schedules", body, token=token)
        assert reply.status == 422 and _field(reply) == field, (change, reply)
    # When a schedule and an event type are created
    hours = schedule(api, token, overrides=[{"date": "2030-12-25", "intervals": []}])
    assert hours["default"] is True and hours["user_id"] == owner["user"]["id"]
    created = event_type(api, token, reminders=[{"minutes_before": 1440, "channels": ["email"]}])
    # Then they read back, defaults filled in
    assert api.get(f"/event-types/{created['id']}", token=token).body == created
    assert created["hosts"] == [owner["user"]["id"]] and created["assignment"] == "single"
    assert [s["id"] for s in api.get("/availability/schedules", token=token).body["items"]] == [hours["id"]]
    # And bad event types are 422 naming the field, a taken slug 409
    for change, field in [({"hosts": [UNKNOWN]}, "hosts/0"), ({"durations": [7]}, "durations/0"),
                          ({"schedule_id": UNKNOWN}, "schedule_id"),
                          ({"questions": [{"id": "a", "label": "A", "type": "select"}]}, "questions/0/options")]:
        reply = api.post("/event-types", {"name": "x", "slug": "other", "durations": [30], **change},
                         token=token)
        assert reply.status == 422 and _field(reply) == field, (change, reply)
    assert api.post("/event-types", {"name": "x", "slug": "intro-call", "durations": [30]},
                    token=token).status == 409
    # When the slug changes, the old one is free again; a used schedule cannot be deleted once named
    patched = api.patch(f"/event-types/{created['id']}", {"slug": "hello", "name": "Hello"}, token=token)
    assert patched.status == 200 and patched.body["slug"] == "hello" and patched.body["name"] == "Hello"
    assert api.post("/event-types", {"name": "x", "slug": "intro-call", "durations": [30]},
                    token=token).status == 201
    assert api.delete(f"/event-types/{created['id']}", token=token).status == 204
    assert api.get(f"/event-types/{created['id']}", token=token).status == 404


def test_a_public_booking_finds_the_contact_confirms_by_email_and_lands_on_the_timeline(
        cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given an event type with a booking page, a verified sender, and a contact who already exists
    token = owner["access_token"]
    schedule(api, token)
    event_type(api, token)
    page = booking_page(api, token)
    verified_sender(api, token)
    existing = api.post("/contacts", {"first_name": "Ada", "email": "ada@example.com"}, token=token).body
    # When the booker reads the page and the slots in their zone
    shown = api.get(f"/book/{page}/intro-call")
    assert shown.status == 200 and shown.body["event_type"]["name"] == "Intro call"
    assert "hosts" not in shown.body["event_type"] and shown.body["workspace"]["name"] == "Acme"
    slots = offered(api, page, "intro-call", days_ahead(3), days_ahead(3))
    # Then they are New York's 09:00-17:00 shown in Paris time, 30 minutes apart
    local = [datetime.fromisoformat(s["local"]) for s in slots]
    assert len(slots) == 16 and all(t.utcoffset() == local[0].utcoffset() for t in local)
    assert [t.astimezone(ZoneInfo("America/New_York")).hour for t in local[::2]] == list(range(9, 17))
    # When bad bookings are sent: each is a 422 naming the field, and nothing is booked
    first = slots[0]["start"]
    off_grid = (datetime.fromisoformat(first.replace("Z", "+00:00")) + timedelta(minutes=10)).isoformat()
    soon = (datetime.now(ZoneInfo("UTC")) + timedelta(minutes=20)).isoformat()
    far = (datetime.now(ZoneInfo("UTC")) + timedelta(days=90)).isoformat()
    for body, field in [(booking(off_grid), "start"), (booking(soon), "start"), (booking(far), "start"),
                        (booking(first, timezone="Mars/Olympus"), "timezone"), (booking("tomorrow"), "start"),
                        (booking(first, answers={}), "answers/topic"),
                        (booking(first, answers={"topic": "x", "nope": "y"}), "answers/nope"),
                        (booking(first, phone="12"), "phone"), (booking(first, duration=45), "duration")]:
        reply = api.post(f"/book/{page}/intro-call/bookings", body)
        assert reply.status == 422 and _field(reply) == field, (body, reply)
    # When a valid booking is made (the same email as the existing contact, a phone to normalise)
    made = api.post(f"/book/{page}/intro-call/bookings", booking(first, phone="(212) 555-0123"))
    assert made.status == 201, made
    appointment = made.body["appointment"]
    assert appointment["start"] == first and appointment["status"] == "booked"
    # Then the existing contact was found (and got no second record), the slot is gone from the page
    stored = api.get(f"/appointments/{appointment['id']}", token=token).body
    assert stored["contact_id"] == existing["id"] and stored["phone"] == "+12125550123"
    assert first not in [s["start"] for s in offered(api, page, "intro-call", days_ahead(3), days_ahead(3))]
    assert api.post(f"/book/{page}/intro-call/bookings", booking(first, email="bob@example.com")).status == 409
    # And the owner's calendar lists it; the confirmation email carries an .ics; the timeline has the event
    listed = api.get(f"/appointments?start={days_ahead(2)}T00:00:00Z&end={days_ahead(5)}T00:00:00Z",
                     token=token).body["items"]
    assert [a["id"] for a in listed] == [appointment["id"]]
    deliver(cloud)
    mail = message_from_string(captured()[-1]["raw_data"], policy=policy.default)
    assert mail["To"] == "ada@example.com" and mail["Subject"].startswith("Confirmed: Intro call")
    ics = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    invite = ics[0].get_content() if ics else ""
    assert "BEGIN:VEVENT" in invite and f"UID:{appointment['id']}@leadpilot" in invite
    assert "/app/book/manage/" in mail.get_body(("plain",)).get_content()
    events = recorded_events(cloud, "appointment.")
    assert [e["type"] for e in events] == ["appointment.booked"] and not schema_errors(events[0])
    timeline = api.get(f"/contacts/{existing['id']}/timeline", token=token).body["items"]
    assert "appointment.booked" in [t["type"] for t in timeline]


def test_concurrent_bookings_of_one_slot_give_one_success(api: Api, owner: dict[str, Any]) -> None:
    # Given one offered slot
    token = owner["access_token"]
    schedule(api, token)
    event_type(api, token)
    page = booking_page(api, token)
    start = offered(api, page, "intro-call", days_ahead(4), days_ahead(4))[4]["start"]
    replies: list[Any] = []

    def attempt(n: int) -> None:
        replies.append(api.post(f"/book/{page}/intro-call/bookings", booking(start, email=f"b{n}@example.com")))

    # When eight bookers send their bookings at once
    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one is booked and seven are told the slot is taken
    statuses = sorted(r.status for r in replies)
    assert statuses == [201] + [409] * 7, [r.body for r in replies]
    assert {r.body["error"]["code"] for r in replies if r.status == 409} == {"slot_taken"}
    # And a held slot is refused to others (and to a second hold) but booked by the holder
    later = offered(api, page, "intro-call", days_ahead(4), days_ahead(4))[6]["start"]
    held = api.post(f"/book/{page}/intro-call/holds", {"start": later})
    assert held.status == 201 and held.body["expires_in_seconds"] == 300
    assert api.post(f"/book/{page}/intro-call/holds", {"start": later}).status == 409
    assert api.post(f"/book/{page}/intro-call/bookings", booking(later, email="x@example.com")).status == 409
    mine = api.post(f"/book/{page}/intro-call/bookings", booking(later, hold_id=held.body["hold_id"]))
    assert mine.status == 201, mine


def test_signed_links_reschedule_once_and_cancel_and_owners_mark_outcomes(cloud: Any, api: Api,
                                                                         owner: dict[str, Any]) -> None:
    # Given a booking and its signed link
    token = owner["access_token"]
    schedule(api, token)
    event_type(api, token)
    page = booking_page(api, token)
    slots = offered(api, page, "intro-call", days_ahead(5), days_ahead(5))
    made = api.post(f"/book/{page}/intro-call/bookings", booking(slots[0]["start"])).body
    link = made["manage_token"]
    shown = api.get(f"/bookings/{link}").body
    assert shown["appointment"]["start"] == slots[0]["start"]
    assert shown["page"] == {"workspace": page, "slug": "intro-call"}  # where a new time is picked
    # When the booker moves it through the link
    moved = api.post(f"/bookings/{link}/reschedule", {"start": slots[3]["start"]})
    assert moved.status == 200, moved
    # Then the old time is free, the new one taken; the used link is 410, a forged one 404, nothing changed
    starts = [s["start"] for s in offered(api, page, "intro-call", days_ahead(5), days_ahead(5))]
    assert slots[0]["start"] in starts and slots[3]["start"] not in starts
    assert api.post(f"/bookings/{link}/cancel", {}).status == 410
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    assert api.post(f"/bookings/{forged}/cancel", {}).status == 404
    assert api.get("/bookings/not-a-token").status == 404
    appointment_id = made["appointment"]["id"]
    assert api.get(f"/appointments/{appointment_id}", token=token).body["status"] == "booked"
    # When the new link cancels it
    new_link = moved.body["manage_token"]
    assert api.post(f"/bookings/{new_link}/cancel", {"reason": "sick"}).status == 200
    # Then it is cancelled, its time free, and it can be neither cancelled again nor marked
    stored = api.get(f"/appointments/{appointment_id}", token=token).body
    assert stored["status"] == "cancelled" and stored["cancel_reason"] == "sick"
    assert slots[3]["start"] in [s["start"] for s in offered(api, page, "intro-call", days_ahead(5), days_ahead(5))]
    assert api.post(f"/bookings/{new_link}/cancel", {}).status == 410
    assert api.post(f"/appointments/{appointment_id}/no-show", token=token).status == 409
    # When the owner reschedules, completes and no-shows other bookings
    second = api.post(f"/book/{page}/intro-call/bookings", booking(slots[6]["start"], email="b@example.com")).body
    sid = second["appointment"]["id"]
    assert api.post(f"/appointments/{sid}/reschedule", {"start": slots[0]["start"]}, token=token).status == 200
    assert api.post(f"/appointments/{sid}/reschedule", {"start": "2020-01-01T10:00:00Z"},
                    token=token).status == 422
    assert api.post(f"/appointments/{sid}/complete", token=token).body["status"] == "completed"
    # Then every change is an event valid against its schema
    events = recorded_events(cloud, "appointment.")
    assert [e["type"] for e in events] == ["appointment.booked", "appointment.rescheduled", "appointment.cancelled",
                                           "appointment.booked", "appointment.rescheduled", "appointment.completed"]
    assert all(not schema_errors(e) for e in events)
    assert events[1]["data"]["from"]["start"] == slots[0]["start"] and events[1]["data"]["to"]["start"] == slots[3][
        "start"]
    # And the bus routes them to the automation triggers (flows start on them) and to sequences (a goal exit)
    routed = {e["detail-type"] for e in receive_events(cloud, "AutomationTriggersQueue")}
    assert {"appointment.booked", "appointment.rescheduled", "appointment.cancelled", "appointment.completed"} <= routed
    assert "appointment.booked" in {e["detail-type"] for e in receive_events(cloud, "SequenceEventsQueue")}


def test_public_pages_have_their_own_rate_window(api: Api, owner: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a booking page (three member requests), and a limit of 4 requests a minute
    token = owner["access_token"]
    schedule(api, token)
    event_type(api, token)
    page = booking_page(api, token)
    monkeypatch.setenv("LEADPILOT_RATE_LIMIT_WORKSPACE", "4")
    get_settings.cache_clear()
    # (all five in one window: requests that straddle a minute's end would be counted in two)
    second = now_epoch() // 60 * 60 + 1
    monkeypatch.setattr(rate_limit, "now_epoch", lambda: second)
    # When anonymous visitors read the page five times
    replies = [api.get(f"/book/{page}/intro-call") for _ in range(5)]
    # Then the fifth is refused with Retry-After, and the members' own API quota was not spent by them
    assert [r.status for r in replies] == [200, 200, 200, 200, 429]
    assert replies[4].body["error"]["code"] == "rate_limited" and int(replies[4].headers["retry-after"]) >= 1
    assert api.get("/event-types", token=token).status == 200


def test_round_robin_spreads_bookings_and_collective_needs_every_host(api: Api, owner: dict[str, Any]) -> None:
    # Given two members, each with the same hours, a round-robin and a collective event type
    token = owner["access_token"]
    invite = api.post("/workspace/invites", {"email": "mia@acme.test"}, token=token).body
    mia = api.post("/auth/accept-invite", {"token": invite["token"], "password": "member-password-1",
                                           "name": "Mia"}).body
    schedule(api, token)
    schedule(api, token, user_id=mia["member"]["user_id"])
    hosts = [owner["user"]["id"], mia["member"]["user_id"]]
    event_type(api, token, slug="team", assignment="round_robin", hosts=hosts)
    event_type(api, token, slug="both", assignment="collective", hosts=hosts)
    page = booking_page(api, token)
    slot = offered(api, page, "team", days_ahead(6), days_ahead(6))[2]["start"]
    # When the same slot is booked three times on the round-robin page
    made = [api.post(f"/book/{page}/team/bookings", booking(slot, email=f"r{n}@example.com")) for n in range(3)]
    # Then each host takes one (the one not booked yet first) and the third is taken
    assert [m.status for m in made] == [201, 201, 409]
    ids = [m.body["appointment"]["id"] for m in made[:2]]
    assert {api.get(f"/appointments/{i}", token=token).body["host_id"] for i in ids} == set(hosts)
    # And the collective page no longer offers that time (every host is busy), but offers the next one
    both = [s["start"] for s in offered(api, page, "both", days_ahead(6), days_ahead(6))]
    assert slot not in both and offered(api, page, "team", days_ahead(6), days_ahead(6))[3]["start"] in both
    # And another tenant's booking page or slug is 404
    other = sign_up(api, "Other")
    assert api.get(f"/book/{other['workspace']['id']}/team").status == 404
    assert api.get("/book/nobody-here/team").status == 404


def test_reminders_fire_once_for_the_appointment_as_it_is_now(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given reminders an hour before by email and text, and three bookings: one moved 90 minutes later, one
    # cancelled, one marked completed early (its reminder is now of an older version)
    token = owner["access_token"]
    schedule(api, token)
    event_type(api, token, reminders=[{"minutes_before": 60, "channels": ["email", "sms"]}])
    page = booking_page(api, token)
    verified_sender(api, token)
    slots = offered(api, page, "intro-call", days_ahead(7), days_ahead(7))
    made = [api.post(f"/book/{page}/intro-call/bookings",
                     booking(slots[n]["start"], email=f"r{n}@example.com", phone=f"+1212555010{n}",
                             sms_consent=True)).body for n in range(3)]
    moved = api.post(f"/bookings/{made[0]['manage_token']}/reschedule", {"start": slots[3]["start"]}).body
    assert api.post(f"/bookings/{made[1]['manage_token']}/cancel", {}).status == 200
    completed = made[2]["appointment"]["id"]
    assert api.post(f"/appointments/{completed}/complete", token=token).status == 200
    deliver(cloud)
    before = len(captured())
    # When the scheduler runs an hour before the first original time, then an hour before the moved time
    start = datetime.fromisoformat(slots[0]["start"].replace("Z", "+00:00"))
    first = fire_due_reminders(get_settings(), start - timedelta(minutes=59))
    second = fire_due_reminders(get_settings(), start + timedelta(minutes=31))
    again = fire_due_reminders(get_settings(), start + timedelta(minutes=33))
    # Then only the moved appointment is reminded, once, by email and by text; the others send nothing
    assert first["sent"] == 0 and second["sent"] == 2 and second["stale"] == 2 and again["sent"] == 0, (first, second)
    deliver(cloud)
    subjects = [message_from_string(m["raw_data"], policy=policy.default)["Subject"] for m in captured()[before:]]
    assert subjects == [f"Reminder: Intro call - {_label(slots[3]['start'])}"]
    contact_id = api.get(f"/appointments/{moved['appointment']['id']}", token=token).body["contact_id"]
    texts = api.get(f"/conversations/{contact_id}/messages", token=token).body["items"]
    assert [t["body"].split(":")[0] for t in texts if t["body"].startswith("Reminder")] == ["Reminder"]


def _label(start: str) -> str:
    return local_label({"start": start, "timezone": "Europe/Paris"})
