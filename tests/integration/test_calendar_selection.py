"""Choosing a connected account's calendars, against the fake Google Calendar and Graph (the real
google-api-python-client and HTTP): the calendars checked for conflicts hide slots and the others do not, a change
of the choice replaces the busy cache at once (a refresh in flight cannot bring the old one back), a chosen Google
calendar gets a push channel of its own (and loses it when unchosen), bad choices are 422 naming the field, and
bookings are written to the calendar chosen for them, where moves made in Google still reach the appointment."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.calendar_fakes import CALENDARS, FakeCalendars
from leadpilot.calendar_sync import watches
from leadpilot.calendar_sync.busy import refresh_busy
from leadpilot.calendar_sync.config import sync_config
from leadpilot.calendar_sync.links import link
from leadpilot.ids import new_id
from leadpilot.settings import get_settings
from tests.integration.calendar_helpers import booking, booking_page, event_type, offered, schedule
from tests.integration.conftest import drain_queue
from tests.support.apps import Api, load_module
from tests.support.calendars import fake_calendars
from tests.support.oauth import connect, oauth_stub

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)
PRIMARY, TEAM, HOLIDAYS = (list(CALENDARS["google"])[n] for n in range(3))
MS_PRIMARY, MS_TEAM, MS_HOLIDAYS = (list(CALENDARS["microsoft"])[n] for n in range(3))


def _at(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sync(cloud: Any) -> int:
    return drain_queue(cloud, "CalendarSyncEventsQueue", load_module("functions/calendar_sync").on_calendar_event)


def _starts(api: Api, page: str) -> set[float]:
    """The hours (UTC, of DAY) the public page offers."""
    day = DAY.date().isoformat()
    return {(datetime.fromisoformat(s["start"]).astimezone(UTC) - DAY).total_seconds() / 3600
            for s in offered(api, page, "intro-call", day, day, timezone="UTC")}


def _flags(reply: Any) -> dict[str, tuple[bool, bool]]:
    assert reply.status == 200, reply
    return {c["name"]: (c["selected_for_conflicts"], c["is_write_target"]) for c in reply.body["calendars"]}


def _setup(api: Api, token: str) -> str:
    schedule(api, token, timezone="UTC", weekly={day: [{"start": "08:00", "end": "23:00"}] for day in DAYS})
    event_type(api, token, slot_interval=30)
    return booking_page(api, token)


def test_checked_calendars_block_slots_and_a_new_choice_replaces_the_busy_cache(
        api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token, settings = owner["access_token"], get_settings()
    page = _setup(api, token)
    with oauth_stub() as stub, fake_calendars(stub) as fake:
        # Given busy time in each account's primary calendar, its team calendar and its read-only holidays calendar
        fake.add("google", _at(9), _at(10), "Dentist")
        fake.add("google", _at(12), _at(13), "Sales standup", calendar=TEAM)
        fake.add("google", _at(15), _at(16), "Holiday", calendar=HOLIDAYS)
        fake.add("microsoft", _at(18), _at(19), "Sales review", calendar=MS_TEAM)
        fake.add("microsoft", _at(20), _at(21), "Holiday", calendar=MS_HOLIDAYS)
        google, microsoft = connect(api, token, "google"), connect(api, token, "microsoft")
        _sync(cloud)
        # When the host lists each account's calendars
        listed = api.get(f"/calendar/connections/{google['id']}/calendars", token=token)
        # Then every calendar comes back (two pages of the calendar list), only the primary one checked and
        # written to; the read-only one cannot take bookings
        assert _flags(listed) == {"host@example.com": (True, True), "Sales team": (False, False),
                                  "Holidays in United States": (False, False)}
        assert [(c["id"], c["primary"], c["writable"]) for c in listed.body["calendars"]] == [
            (PRIMARY, True, True), (TEAM, False, True), (HOLIDAYS, False, False)]
        assert fake.calls["google GET users/me/calendarList"] == 2
        assert _flags(api.get(f"/calendar/connections/{microsoft['id']}/calendars", token=token)) == {
            "Calendar": (True, True), "Sales team": (False, False), "United States holidays": (False, False)}
        # And only the primary calendar's busy time hides slots
        starts = _starts(api, page)
        assert 9 not in starts and {12, 15, 18, 20} <= starts

        # Given a busy-cache refresh that read the link before the host changes the choice
        in_flight = link(settings, owner["workspace"]["id"], owner["user"]["id"], "google")
        assert in_flight is not None
        # When the host checks the team calendars for conflicts (Google's by their ids, Outlook's with "primary")
        chosen = api.patch(f"/calendar/connections/{google['id']}", {"conflict_calendars": [PRIMARY, TEAM]},
                           token=token)
        assert _flags(chosen)["Sales team"] == (True, False)
        assert _flags(api.patch(f"/calendar/connections/{microsoft['id']}",
                                {"conflict_calendars": ["primary", MS_TEAM]}, token=token))["Sales team"] == (True,
                                                                                                            False)
        # Then the team calendars' events hide their slots at once; the unchecked holidays still do not
        starts = _starts(api, page)
        assert not {9, 12, 18} & starts and {15, 20} <= starts
        # And the refresh in flight, finishing now, does not bring the old calendars' busy cache back
        refresh_busy(settings, sync_config(), in_flight)
        assert 12 not in _starts(api, page)
        # And the choice stays when read again
        assert _flags(api.get(f"/calendar/connections/{google['id']}/calendars", token=token))["Sales team"] == (
            True, False)
        # And the team calendar has a push channel of its own: an event added there later hides its slot on the push
        team_channel = next(c for c, channel in fake.channels.items() if channel["calendar"] == TEAM)
        fake.add("google", _at(14), _at(15), "Pipeline review", calendar=TEAM)
        primary_token = fake.google_push(next(iter(fake.channels)))["X-Goog-Channel-Token"]
        forged = fake.google_push(team_channel, token=primary_token)  # the primary channel's secret on another
        assert api.post("/calendar-sync/webhooks/google", headers=forged).status == 403
        assert 14 in _starts(api, page)
        assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(team_channel)).status == 200
        assert 14 not in _starts(api, page)
        # And the renewal six days on replaces it along with the links' own channel and subscription
        assert watches.renew_due(settings, sync_config(), now=int(time.time()) + 6 * 86400 + 3600) == 3
        assert team_channel not in fake.channels
        team_channel = next(c for c, channel in fake.channels.items() if channel["calendar"] == TEAM)

        # And Outlook's one subscription (on the mailbox's events) covers the team calendar: a new event there
        # hides its slot once Graph notifies
        late = fake.add("microsoft", _at(21), _at(22), "Late review", calendar=MS_TEAM)
        assert 21 in _starts(api, page)
        notice = fake.graph_push(next(iter(fake.subscriptions)), late)
        assert api.post("/calendar-sync/webhooks/microsoft", notice).status == 202
        assert 21 not in _starts(api, page)

        # When the host unchecks every Outlook calendar, its busy time no longer counts
        assert api.patch(f"/calendar/connections/{microsoft['id']}", {"conflict_calendars": []},
                         token=token).status == 200
        assert 18 in _starts(api, page)

        # When the choice is bad, it is a 422 naming the field (or a 404 for a connection that is not the host's)
        calls = sum(fake.calls.values())
        for body, field in (({"conflict_calendars": [PRIMARY, "nope@example.com"]}, "conflict_calendars/1"),
                            ({"write_calendar": ""}, "write_calendar"),
                            ({"write_calendar": HOLIDAYS}, "write_calendar"),
                            ({"write_calendar": "gone@example.com"}, "write_calendar"),
                            ({"conflict_calendars": "primary"}, "conflict_calendars"),
                            ({"colour": "red"}, "colour"), ({}, "(body)")):
            reply = api.patch(f"/calendar/connections/{google['id']}", body, token=token)
            assert reply.status == 422, (body, reply)
            assert reply.body["error"]["details"]["errors"][0]["field"] == field, (body, reply)
        assert api.get(f"/calendar/connections/{new_id()}/calendars", token=token).status == 404
        # Then nothing changed (and only the three that needed the calendar list asked the provider for it)
        assert _flags(api.get(f"/calendar/connections/{google['id']}/calendars", token=token))["Sales team"] == (
            True, False)
        assert sum(fake.calls.values()) - calls == 3 * 2 + 2

        # When the host unchecks the team calendar again, its channel is stopped and its pushes are refused
        assert api.patch(f"/calendar/connections/{google['id']}", {"conflict_calendars": [PRIMARY]},
                         token=token).status == 200
        assert [c["calendar"] for c in fake.channels.values()] == [PRIMARY]
        assert api.post("/calendar-sync/webhooks/google", headers={
            "X-Goog-Channel-ID": team_channel, "X-Goog-Channel-Token": "x"}).status == 403
        assert {12, 14} <= _starts(api, page)


def test_bookings_are_written_to_the_calendar_chosen_for_them(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    page = _setup(api, token)
    fake: FakeCalendars
    with oauth_stub() as stub, fake_calendars(stub) as fake:
        # Given both accounts connected, the host chose the team calendars for new bookings
        google, microsoft = connect(api, token, "google"), connect(api, token, "microsoft")
        _sync(cloud)
        for connection, team in ((google, TEAM), (microsoft, MS_TEAM)):
            reply = api.patch(f"/calendar/connections/{connection['id']}", {"write_calendar": team}, token=token)
            assert _flags(reply)["Sales team"] == (False, True)
        # When a visitor books 16:00 and calendar sync writes it
        made = api.post(f"/book/{page}/intro-call/bookings", booking(_at(16)))
        assert made.status == 201, made
        appointment_id = made.body["appointment"]["id"]
        _sync(cloud)
        # Then the booking is in each team calendar, and in neither primary calendar
        for provider, title in (("google", "summary"), ("microsoft", "subject")):
            assert [e[title] for e in fake.in_calendar(provider, list(CALENDARS[provider])[1])] == [
                "Intro call with Ada Lovelace"]
            assert fake.in_calendar(provider, "primary") == []
        # And it is busy time even though the team calendar is not checked for conflicts (it is the host's own)
        assert 16 not in _starts(api, page)

        # When the host moves the event in Google's team calendar and Google pushes on that calendar's channel
        event: dict[str, Any] = fake.in_calendar("google", TEAM)[0]
        fake.move("google", event["id"], _at(18), _at(18.5))
        team_channel = next(c for c, channel in fake.channels.items() if channel["calendar"] == TEAM)
        assert api.post("/calendar-sync/webhooks/google", headers=fake.google_push(team_channel)).status == 200
        drain_queue(cloud, "CalendarExternalChangesQueue", load_module("functions/calendar").on_external_change)
        # Then the appointment follows the move
        moved = api.get(f"/appointments/{appointment_id}", token=token).body
        assert datetime.fromisoformat(moved["start"]) == DAY + timedelta(hours=18), moved

        # When the host sends new bookings to the primary calendar again and the appointment is moved, then cancelled
        assert api.patch(f"/calendar/connections/{google['id']}", {"write_calendar": PRIMARY},
                         token=token).status == 200
        assert TEAM in [c["calendar"] for c in fake.channels.values()]  # it still holds our event
        assert api.post(f"/appointments/{appointment_id}/reschedule", {"start": _at(17)},
                        token=token).status == 200
        _sync(cloud)
        # Then the event is updated where it was written (the team calendar), not created again in the primary
        event = fake.in_calendar("google", TEAM)[0]
        assert event["start"]["dateTime"] == _at(17) and fake.in_calendar("google", "primary") == []
        assert api.post(f"/appointments/{appointment_id}/cancel", {}, token=token).status == 200
        _sync(cloud)
        assert [e["status"] for p, c in (("google", TEAM), ("microsoft", MS_TEAM)) for e in fake.in_calendar(p, c)
                ] == ["cancelled", "cancelled"]
