"""AI voice calls end to end on moto: Twilio played by the voice simulator (signed webhooks, the
ConversationRelay protocol, status callbacks), the real openai client against the streaming chat stub."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.voice_sim import Relay, VoiceSimulator, action_url
from leadpilot.usage.ledger import ledger_pk
from leadpilot.usage.models import LedgerEntryItem
from tests.integration.calendar_helpers import event_type, schedule
from tests.integration.voice_helpers import (
    NUMBER,
    analyse,
    call_events,
    number,
    receive_messages,
    simulator,
    voice,
    voice_cloud,
)
from tests.support.apps import Api
from tests.support.chat_stub import LONG_ANSWER
from tests.support.http_stub import Stub

CALLER = "+14155550123"


@pytest.fixture
def online(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stub]]:
    with voice_cloud(cloud, monkeypatch) as stubs:
        yield stubs


def _usage(api: Api, token: str) -> dict[str, Any]:
    reply = api.get("/usage", token=token)
    assert reply.status == 200, reply
    return dict(reply.body)


def test_an_inbound_call_books_an_appointment_through_tool_calls(
        cloud: Any, online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a number whose AI receptionist books intro calls, and a calendar with open hours
    _, gateway = online
    token = owner["access_token"]
    schedule(api, token)
    event_type(api, token, min_notice_minutes=0)
    number(api, token, greeting="Hi, Acme here.")
    sim = simulator(api, gateway)

    # When a stranger calls and asks to book, then says goodbye
    call = sim.inbound(CALLER, NUMBER)
    assert call.relay is not None and "<ConversationRelay" in call.twiml and 'welcomeGreeting="Hi, Acme here."' \
        in call.twiml
    first = call.relay.prompt("I'd like to book an appointment please")
    last = call.relay.prompt("Great, bye")

    # Then the agent's words streamed as separate tokens, it checked availability and booked through tool calls
    assert first.startswith("Let me check.") and "You're booked for" in first, first
    tokens = [r for r in gateway.requests if b'"type":"text"' in r.body]
    assert len(tokens) > 6
    appointments = api.get("/appointments", token=token).body["items"]
    assert len(appointments) == 1 and appointments[0]["source"] == "voice"
    assert appointments[0]["start"] in first
    # And the goodbye ended the session, after which Twilio hangs up
    assert "goodbye" in last.lower() and call.relay.ended == {"type": "end", "reason": "goodbye"}
    assert "<Hangup/>" in sim.relay_ended(call)

    # When Twilio reports the call completed after 75 seconds
    assert sim.status(call.sid, "completed", duration=75) == 200
    calls = api.get("/calls", token=token).body["items"]
    assert len(calls) == 1
    record = api.get(f"/calls/{calls[0]['id']}", token=token).body
    # Then the call is completed, billed 2 minutes, with its cost, and its transcript turn by turn
    assert (record["status"], record["direction"], record["mode"], record["minutes"]) == \
        ("completed", "inbound", "relay", 2)
    assert record["cost"]["telephony_micros"] == 28_000 and record["cost"]["relay_micros"] == 140_000
    assert record["cost"]["tokens"] > 0 and record["cost"]["total_micros"] > 168_000
    roles = [t["role"] for t in record["transcript"]]
    assert roles[:2] == ["agent", "caller"] and roles.count("action") == 3  # availability, booking, end
    assert record["transcript"][0]["text"] == "Hi, Acme here."
    # And usage counts the minutes and tokens
    usage = _usage(api, token)
    assert usage["counters"]["voice_minutes"]["month"]["used"] == 2
    assert usage["counters"]["ai_tokens"]["month"]["used"] == record["cost"]["tokens"]
    # And every charge is a ledger entry caused by this call: the minutes add up to the billed 2
    month = datetime.now(UTC).strftime("%Y-%m")
    workspace_id = api.get("/workspace", token=token).body["id"]
    entries = list(LedgerEntryItem.query(ledger_pk(workspace_id, month), LedgerEntryItem.SK.startswith("E#")))
    minutes = [e for e in entries if e.product == "voice_minutes"]
    assert {(e.cause_type, e.cause_id) for e in entries} == {("call", record["id"])}, entries
    assert sum(int(e.quantity) for e in minutes) == 2 and len({e.idempotency_key for e in minutes}) == len(minutes)

    # When the analysis queue runs (twice: a redelivery changes nothing)
    assert analyse(cloud) == 1
    tokens_before = record["cost"]["tokens"]
    record = api.get(f"/calls/{record['id']}", token=token).body
    # Then the call has an outcome, a summary and a sentiment from the model, whose tokens count for the call
    assert record["outcome"] == "booked" and record["analysis"]["generator"] == "openai"
    assert record["cost"]["tokens"] == tokens_before + 60
    assert _usage(api, token)["counters"]["ai_tokens"]["month"]["used"] == record["cost"]["tokens"]
    assert record["sentiment"]["label"] == "positive" and record["summary"]
    events = call_events(cloud)  # what flows trigger on (call.started is on the timeline, not a trigger)
    assert [e["detail-type"] for e in events] == ["call.completed", "call.analyzed"]
    assert events[1]["detail"]["data"]["outcome"] == "booked"
    timeline = api.get(f"/contacts/{record['contact_id']}/timeline?limit=50", token=token).body["items"]
    assert {"call.started", "call.completed", "call.analyzed"} <= {i["type"] for i in timeline}


def test_an_interruption_keeps_only_the_words_the_caller_heard(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a call where the agent gives a long answer
    _, gateway = online
    token = owner["access_token"]
    number(api, token)
    sim = simulator(api, gateway)
    call = sim.inbound(CALLER, NUMBER)
    assert call.relay is not None
    assert call.relay.prompt("Tell me the long version") == LONG_ANSWER

    # When the caller speaks over it after hearing the first sentence, and asks something else
    heard = LONG_ANSWER.split(". ")[0]
    call.relay.interrupt(heard)
    call.relay.prompt("What about prices?")

    # Then the transcript keeps only what was heard, marked interrupted, and the model was told only that
    record = api.get(f"/calls/{api.get('/calls', token=token).body['items'][0]['id']}", token=token).body
    agent_turns = [t for t in record["transcript"] if t["role"] == "agent"]
    assert agent_turns[1] == {**agent_turns[1], "text": heard, "interrupted": True}
    sent = online[0].requests[-1]["messages"]
    assert {"role": "assistant", "content": heard} in sent
    assert not any(m.get("content") == LONG_ANSWER for m in sent)


def test_a_caller_asking_for_a_person_is_handed_over_and_out_of_hours_calls_go_to_a_person(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a number with a human fallback
    _, gateway = online
    token = owner["access_token"]
    line = number(api, token, fallback_number="+14155550999")
    sim = simulator(api, gateway)
    call = sim.inbound(CALLER, NUMBER)
    assert call.relay is not None

    # When the caller asks for a person
    said = call.relay.prompt("Can I talk to a person?")

    # Then the agent says so, ends the relay session with handoff data, and Twilio is told to dial the human
    assert said == "Let me put you through."
    assert call.relay.ended == {"type": "transfer", "reason": "the caller asked for a person", "to": "+14155550999"}
    assert "+14155550999</Dial>" in sim.relay_ended(call)
    record = api.get("/calls", token=token).body["items"][0]
    assert record["handoff"]["to"] == "+14155550999"
    # And the owner is told
    notifications = api.get("/notifications", token=token).body["items"]
    assert [n["type"] for n in notifications] == ["call_handoff"]

    # When pressing 0 on another call
    pressed = sim.inbound("+14155550124", NUMBER)
    assert pressed.relay is not None and pressed.relay.dtmf("0") == "Let me put you through."
    # Then it is handed over too
    assert pressed.relay.ended is not None and pressed.relay.ended["type"] == "transfer"

    # When the AI's hours are over and a third caller rings, and nobody picks up the forwarded call
    hour = datetime.now(UTC).hour
    hours = {"timezone": "UTC", "start": "13:00", "end": "14:00"} if hour < 12 else \
        {"timezone": "UTC", "start": "01:00", "end": "02:00"}
    assert api.call("PUT", f"/phone-numbers/{line['id']}/voice", {"ai_hours": hours}, token=token).status == 200
    late = sim.inbound("+14155550125", NUMBER)
    dial_action = action_url(late.twiml, "Dial")
    assert late.relay is None and "+14155550999</Dial>" in late.twiml and dial_action
    assert "<Hangup/>" in sim.post(dial_action, {"CallSid": late.sid, "DialCallStatus": "no-answer"})[1]
    assert sim.status(late.sid, "completed", duration=25) == 200

    # Then the call is missed, and the owner is told about it
    missed = api.get("/calls", token=token).body["items"][0]
    assert (missed["from"], missed["mode"], missed["status"], missed["analysis"]) == \
        ("+14155550125", "forward", "missed", None)
    notifications = api.get("/notifications", token=token).body["items"]
    assert [n["type"] for n in notifications] == ["call_missed", "call_handoff", "call_handoff"]


def test_forged_signatures_are_refused_and_store_nothing(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a number
    _, gateway = online
    token = owner["access_token"]
    number(api, token)
    sim = simulator(api, gateway)
    form = {"CallSid": "CA" + "f" * 32, "From": CALLER, "To": NUMBER, "CallStatus": "ringing"}

    # When calls come with a forged, a missing, or a signature for another URL
    forged = sim.post("/webhooks/twilio/voice", form, signature="Zm9yZ2Vk")
    missing = sim.post("/webhooks/twilio/voice", form, signature=None)
    other = VoiceSimulator(sim.transport, sim.base_url, "not-the-token").post("/webhooks/twilio/voice", form)
    status = sim.post("/webhooks/twilio/voice/status", {"CallSid": form["CallSid"], "CallStatus": "completed"},
                      signature="Zm9yZ2Vk")

    # Then each is 403 and no call or contact was stored
    assert [forged[0], missing[0], other[0], status[0]] == [403, 403, 403, 403]
    assert api.get("/calls", token=token).body["items"] == []
    assert api.get("/contacts", token=token).body["items"] == []


def test_a_call_in_progress_ends_politely_at_the_token_limit(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with room for one answer's worth of AI tokens
    _, gateway = online
    token = owner["access_token"]
    number(api, token)
    assert api.call("PUT", "/usage/limits", {"limits": {"ai_tokens": {"month": 150}}}, token=token).status == 200
    call = simulator(api, gateway).inbound(CALLER, NUMBER)
    assert call.relay is not None

    # When the caller asks two things (each answer uses 120 tokens)
    first = call.relay.prompt("Hello there")
    ended_after_first = call.relay.ended
    second = call.relay.prompt("And another thing")

    # Then the first is answered, the second answer is followed by a polite goodbye and the end of the session
    assert first.startswith("You said: Hello there") and ended_after_first is None
    assert "reached its calling limit" in second and second.endswith("Goodbye.")
    assert call.relay.ended == {"type": "end", "reason": "usage_limit_reached"}


def test_a_test_call_from_the_dashboard_speaks_on_the_relay_and_hangs_up(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a number
    _, gateway = online
    token = owner["access_token"]
    line = number(api, token)

    # When the dashboard rings it through the sandbox, speaks on the relay URL it got back, then hangs up
    rung = api.post("/dev/voice/calls", {"number_id": line["id"]}, token=token)
    assert rung.status == 200 and rung.body["relay_url"], rung
    relay = Relay(simulator(api, gateway).transport.open_relay(rung.body["relay_url"]), timeout=1)
    relay.setup(rung.body["call_sid"], "+15005550006", NUMBER)
    answer = relay.prompt("Hello from the browser")
    hung = api.post(f"/dev/voice/calls/{rung.body['call']['id']}/hangup", token=token)

    # Then the agent answered, and the call is completed with its transcript
    assert answer.startswith("You said: Hello from the browser")
    assert hung.status == 200 and hung.body["status"] == "completed", hung
    assert [t["role"] for t in hung.body["transcript"]] == ["agent", "caller", "agent"]
    # And another workspace's number cannot be rung
    assert api.post("/dev/voice/calls", {"number_id": "01M80A45J90JMESM0AR82N1PFF"}, token=token).status == 404


def test_a_failed_analysis_is_retried_and_fills_the_contact_fields_heard(
        cloud: Any, online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a completed call where an unknown caller said their name, and a model that fails twice (both tries of
    # the client) before answering
    chat, gateway = online
    token = owner["access_token"]
    number(api, token)
    sim = simulator(api, gateway)
    call = sim.inbound(CALLER, NUMBER)
    assert call.relay is not None and call.relay.prompt("Hi, my name is Grace")
    assert sim.status(call.sid, "completed", duration=12) == 200
    chat.fail_structured = 2
    messages = receive_messages(cloud, "VoiceAnalysisQueue")
    assert len(messages) == 1
    event = {"Records": [{"messageId": "m-1", "body": messages[0]}]}

    # When the queue delivers the call.completed event, and delivers it again after the failure (and once more)
    first = voice().on_analysis(event, None)
    second = voice().on_analysis(event, None)
    third = voice().on_analysis(event, None)

    # Then the first delivery is reported failed (the queue keeps it), the second analyses it, the third does nothing
    assert first == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert second == third == {"batchItemFailures": []}
    record = api.get("/calls", token=token).body["items"][0]
    assert record["analysis"]["status"] == "done" and record["outcome"] == "interested"
    # And the name the caller gave fills the contact's empty first name
    assert api.get(f"/contacts/{record['contact_id']}", token=token).body["first_name"] == "Grace"
    analyzed = [e for e in call_events(cloud) if e["detail-type"] == "call.analyzed"]
    assert len(analyzed) == 1


def test_an_interruption_during_the_stream_stops_it_and_keeps_the_heard_words(
        online: tuple[Any, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a slow, long answer being streamed (the relay's messages are handled concurrently, as on AWS)
    chat, gateway = online
    token = owner["access_token"]
    number(api, token)
    chat.piece_s = 0.05
    call = simulator(api, gateway).inbound(CALLER, NUMBER)
    assert call.relay is not None
    relay = call.relay
    relay.timeout = 30
    answer: list[str] = []
    streaming = threading.Thread(target=lambda: answer.append(relay.prompt("Tell me everything")))
    streaming.start()

    # When the caller speaks over it once a few words were sent
    def sent_tokens() -> list[str]:
        return [json.loads(r.body)["token"] for r in gateway.requests if b'"type":"text"' in r.body]
    while len([t for t in sent_tokens() if t]) < 4 and streaming.is_alive():
        time.sleep(0.01)
    heard = "".join(sent_tokens()).strip()
    relay.interrupt(heard)
    streaming.join(30)

    # Then the stream stopped well before its end, and the transcript keeps only what was heard
    words = len(" ".join([LONG_ANSWER] * 4).split())
    assert len([t for t in sent_tokens() if t]) < words // 2
    record = api.get(f"/calls/{api.get('/calls', token=token).body['items'][0]['id']}", token=token).body
    last = [t for t in record["transcript"] if t["role"] == "agent"][-1]
    assert last["text"] == heard and last["interrupted"] is True
