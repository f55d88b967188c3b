"""Outbound AI calls: refusals with reasons, the usage limit, voicemail by asynchronous machine detection, and
status callbacks that apply once and never move a call backwards; the offline agent over the <Gather> loop."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.voice_helpers import NUMBER, call_events, number, simulator, voice_cloud
from tests.support.apps import Api
from tests.support.http_stub import Stub

CALLEE = "+14155550123"


@pytest.fixture
def online(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stub]]:
    with voice_cloud(cloud, monkeypatch) as stubs:
        yield stubs


def zone_at(hour: int) -> str:
    """A fixed-offset zone where it is now `hour` o'clock."""
    offset = next(o for o in range(-12, 15) if (datetime.now(UTC).hour + o) % 24 == hour)
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def contact(api: Api, token: str, **fields: Any) -> str:
    for key, kind in (("timezone", "text"), ("call_consent", "boolean")):
        api.post("/contact-fields", {"key": key, "label": key, "type": kind}, token=token)
    body = {"first_name": "Ada", "phone": CALLEE, **fields}
    reply = api.post("/contacts", body, token=token)
    assert reply.status == 201, reply
    return str(reply.body["id"])


def _refusal(api: Api, token: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = api.post("/calls", body, token=token)
    assert reply.status == 422 and reply.body["error"]["code"] == "call_refused", reply
    return dict(reply.body["error"]["details"])


def test_calls_are_refused_with_a_reason_when_the_contact_must_not_be_called(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a number, and contacts who opted out, gave no consent, or are asleep in their zone
    token = owner["access_token"]
    number(api, token)
    blocked = contact(api, token, do_not_contact=True, custom_fields={"call_consent": True})
    no_consent = api.post("/contacts", {"first_name": "Bo", "phone": "+14155550124"}, token=token).body["id"]
    asleep = api.post("/contacts", {"first_name": "Cy", "phone": "+14155550125",
                                    "custom_fields": {"timezone": zone_at(3), "call_consent": True}},
                      token=token).body["id"]

    # When calls are asked for
    # Then each is refused naming its reason, and the asleep one says when calling opens
    assert _refusal(api, token, {"contact_id": blocked})["reason"] == "do_not_contact"
    assert _refusal(api, token, {"contact_id": no_consent})["reason"] == "no_consent"
    night = _refusal(api, token, {"contact_id": asleep})
    assert night["reason"] == "outside_calling_hours" and night["retry_at"] > datetime.now(UTC).isoformat()
    # And a bad body names its field
    bad = api.post("/calls", {"contact_id": asleep, "consent": "maybe"}, token=token)
    assert bad.status == 422 and "consent" in str(bad.body["error"]["details"])
    assert api.get("/calls", token=token).body["items"] == []


def test_a_new_call_over_the_voice_minute_limit_is_refused(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace whose voice minutes are used up
    token = owner["access_token"]
    number(api, token)
    callee = contact(api, token, custom_fields={"timezone": zone_at(12)})
    assert api.call("PUT", "/usage/limits", {"limits": {"voice_minutes": {"month": 0}}}, token=token).status == 200

    # When a call is asked for (with consent given in the request)
    reply = api.post("/calls", {"contact_id": callee, "consent": "express"}, token=token)

    # Then it is refused with usage_limit_reached, and nothing was placed or counted
    assert reply.status == 429 and reply.body["error"]["code"] == "usage_limit_reached", reply
    assert api.get("/calls", token=token).body["items"] == []


def test_a_voicemail_is_left_after_the_beep_and_duplicate_or_late_statuses_apply_once(
        cloud: Any, online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a call placed to a contact who consented, in their calling hours
    _, gateway = online
    token, ws = owner["access_token"], owner["workspace"]["id"]
    number(api, token, voicemail_message="Hi Ada, Acme here. Call us back!")
    callee = contact(api, token, custom_fields={"timezone": zone_at(12), "call_consent": True})
    placed = api.post("/calls", {"contact_id": callee, "purpose": "follow up", "idempotency_key": "k1"}, token=token)
    assert placed.status == 201 and placed.body["status"] == "queued", placed
    again = api.post("/calls", {"contact_id": callee, "idempotency_key": "k1"}, token=token)
    assert again.status == 200 and again.body["id"] == placed.body["id"]
    call = placed.body
    sim = simulator(api, gateway)
    status_url = sim.hook("status", ws, call["id"])

    # When it rings and is answered: the agent starts at once (the machine verdict comes later)
    assert sim.status(call["provider_sid"], "ringing", url=status_url) == 200
    answered = sim.answer(call, ws)
    assert answered.relay is not None and "<ConversationRelay" in answered.twiml
    assert sim.status(call["provider_sid"], "in-progress", url=status_url) == 200
    # When the asynchronous detection says a machine answered, after its beep (and Twilio repeats it)
    assert sim.amd(call, ws, "machine_end_beep") == 200
    assert sim.amd(call, ws, "machine_end_beep") == 200
    # And the call completes, with Twilio repeating and reordering its callbacks
    assert sim.status(call["provider_sid"], "completed", duration=31, url=status_url) == 200
    for late in ("completed", "in-progress", "ringing"):
        assert sim.status(call["provider_sid"], late, duration=31, url=status_url) == 200

    # Then the call is a voicemail whose last words are the voicemail message, said once
    record = api.get(f"/calls/{call['id']}", token=token).body
    assert (record["status"], record["answered_by"], record["provider_status"], record["minutes"]) == \
        ("voicemail", "machine_end_beep", "completed", 1)
    said = [t["text"] for t in record["transcript"] if t["role"] == "agent"]
    assert said[-1] == "Hi Ada, Acme here. Call us back!" and said.count(said[-1]) == 1
    assert record["analysis"] is None
    # And exactly one voicemail event went out, no completed one
    assert [e["detail-type"] for e in call_events(cloud)] == ["call.voicemail"]
    usage = api.get("/usage", token=token).body["counters"]["voice_minutes"]["month"]["used"]
    assert usage == 1


def test_a_person_answering_gets_the_agent_and_a_missed_call_is_refunded(
        cloud: Any, online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given two calls placed
    _, gateway = online
    token, ws = owner["access_token"], owner["workspace"]["id"]
    number(api, token)
    callee = contact(api, token, custom_fields={"timezone": zone_at(12), "call_consent": True})
    first = api.post("/calls", {"contact_id": callee}, token=token).body
    second = api.post("/calls", {"contact_id": callee}, token=token).body
    sim = simulator(api, gateway)

    # When a person picks up the first and talks to the agent at once, and the detection then says human
    answered = sim.answer(first, ws)
    assert answered.relay is not None
    assert answered.relay.prompt("Who is this?").startswith("You said: Who is this?")
    assert sim.amd(first, ws, "human") == 200
    assert answered.relay.prompt("Still there?").startswith("You said: Still there?")
    assert sim.status(first["provider_sid"], "in-progress", url=sim.hook("status", ws, first["id"])) == 200
    assert sim.status(first["provider_sid"], "completed", duration=61, url=sim.hook("status", ws, first["id"])) == 200
    # And nobody answers the second
    assert sim.status(second["provider_sid"], "no-answer", url=sim.hook("status", ws, second["id"])) == 200

    # Then the first completed (2 minutes) by a person with an analysis pending, the second is missed with its
    # minute refunded
    one = api.get(f"/calls/{first['id']}", token=token).body
    two = api.get(f"/calls/{second['id']}", token=token).body
    assert (one["status"], one["answered_by"], one["minutes"], one["analysis"]["status"]) == \
        ("completed", "human", 2, "pending")
    assert (two["status"], two["minutes"]) == ("missed", 0)
    assert api.get("/usage", token=token).body["counters"]["voice_minutes"]["month"]["used"] == 2
    events = sorted(e["detail-type"] for e in call_events(cloud))
    assert events == ["call.completed", "call.missed"]
    # And a verdict for a call that already ended changes nothing
    assert sim.amd(second, ws, "machine_end_beep") == 200
    assert api.get(f"/calls/{second['id']}", token=token).body["status"] == "missed"


def test_the_offline_agent_over_the_gather_loop_takes_a_message(
        cloud: Any, api: Api, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no OpenAI key and no ConversationRelay (the <Gather> loop), and a number with opening hours
    with voice_cloud(cloud, monkeypatch, online=False) as (_, gateway):
        monkeypatch.setenv("VOICE_RELAY_URL", "")
        from leadpilot.voice.config import voice_config

        voice_config.cache_clear()
        token = owner["access_token"]
        number(api, token, knowledge="Opening hours: Monday to Friday 9am to 5pm.")
        sim = simulator(api, gateway)

        # When a caller asks about hours, then leaves a message
        call = sim.inbound(CALLEE, NUMBER)
        assert '<Gather input="speech"' in call.twiml and call.relay is None
        hours = sim.gather(call.twiml, "What are your opening hours?")
        asked = sim.gather(hours, "I'd like to leave a message")
        thanks = sim.gather(asked, "Please call me back about a quote for a new boiler")

        # Then the agent says it is offline, answers from the knowledge, and the message is a note and a task
        assert "offline" in hours and "Monday to Friday 9am to 5pm" in hours
        assert "What message would you like to leave?" in asked and "passed your message on" in thanks
        record = api.get("/calls", token=token).body["items"][0]
        assert record["mode"] == "gather"
        notes = api.get(f"/notes?contact_id={record['contact_id']}", token=token).body["items"]
        assert "a quote for a new boiler" in notes[0]["body"]
        tasks = api.get("/tasks?view=team", token=token).body["items"]
        assert tasks[0]["title"].startswith("Call back") and tasks[0]["assignee_id"] == owner["user"]["id"]

        # When the call ends and is analysed offline
        assert sim.status(call.sid, "completed", duration=40) == 200
        from tests.integration.voice_helpers import analyse

        assert analyse(cloud) == 1
        record = api.get(f"/calls/{record['id']}", token=token).body
        # Then the outcome comes from the rules and the sentiment from VADER, labelled offline
        assert record["analysis"]["generator"] == "offline" and record["outcome"] == "call_back_later"
        assert record["sentiment"]["label"] in ("positive", "neutral", "negative")
