"""The offline voice agent (no OpenAI key): keyword rules and templates for the common intents — opening
hours, booking the next open slot, leaving a message, a person, goodbye — through the same tools as the model.
It says it is offline in its first answer, as the other AI features do."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from leadpilot.errors import DomainError
from leadpilot.voice import calls
from leadpilot.voice.models import CallItem
from leadpilot.voice.tools import Session, run, slots

if TYPE_CHECKING:
    from leadpilot.voice.agent import Reply

NOTICE = "I'm the automated assistant, working offline right now, so I can help with our hours, booking, or a message."
MENU = "I can tell you our hours, book an appointment, take a message, or put you through to someone."
_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("person", re.compile(r"\b(human|person|someone|agent|representative|operator|transfer)\b")),
    ("bye", re.compile(r"\b(bye|goodbye|that's all|that is all|nothing else|no thanks)\b")),
    ("yes", re.compile(r"^\s*(yes|yeah|yep|sure|ok|okay|please do|that works|sounds good|book it)\b")),
    ("book", re.compile(r"\b(book|appointment|schedule|available|availability|slot|reserve)\b")),
    ("hours", re.compile(r"\b(hours?|open|opening|close|closing)\b")),
    ("message", re.compile(r"\b(message|call me back|callback|call back)\b")),
]


def intent_of(text: str) -> str:
    lowered = text.lower()
    return next((name for name, pattern in _INTENTS if pattern.search(lowered)), "other")


def _state(call: CallItem) -> dict[str, Any]:
    return dict(calls.details_of(call).get("offline") or {})


def _save(call: CallItem, state: dict[str, Any]) -> None:
    details = {**calls.details_of(call), "offline": state}
    call.update(actions=[CallItem.details.set(json.dumps(details))])


def _spoken(slot: str) -> str:
    moment = datetime.fromisoformat(slot.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%A %B %d at %H:%M UTC").replace(" 0", " ")


def _hours(session: Session) -> str:
    knowledge = session.config.config["knowledge"]
    line = next((ln.strip() for ln in knowledge.splitlines() if re.search(r"hour|open", ln, re.I)), "")
    return f"Our hours: {line}" if line else "I don't have our opening hours at hand; I can take a message."


def respond(session: Session, said: str, emit: Callable[[str], None]) -> Reply:
    from leadpilot.voice.agent import Reply

    state = _state(session.call)
    answer = _answer(session, said, state)
    if not state.get("noticed"):
        answer, state["noticed"] = f"{NOTICE} {answer}", True
    _save(session.call, state)
    emit(answer)
    calls.add_turn(session.workspace_id, session.call.call_id, "agent", answer)
    return Reply(answer, 0, "offline")


def _answer(session: Session, said: str, state: dict[str, Any]) -> str:
    if state.pop("taking_message", False):
        run(session, "create_note", json.dumps({"body": f"Phone message: {said}"}))
        run(session, "create_task", json.dumps({"title": "Call back: message left with the phone assistant"}))
        return "Thank you, I've passed your message on. Someone will call you back. Anything else?"
    intent = intent_of(said)
    if intent == "yes" and state.get("offered"):
        result = run(session, "book_appointment", json.dumps({"start": state.pop("offered")}))
        if "error" in result:
            return f"Sorry, I couldn't book that: {result['error']}. {MENU}"
        return f"You're booked for {_spoken(result['start'])}. Anything else?"
    if intent == "person":
        result = run(session, "transfer_to_human", json.dumps({"reason": "the caller asked for a person"}))
        return "Let me put you through to someone now." if "error" not in result else \
            "Sorry, nobody can take the call right now. I can take a message instead."
    if intent == "bye":
        run(session, "end_call", json.dumps({"reason": "the caller said goodbye"}))
        return "Thank you for calling. Goodbye!"
    if intent == "book":
        try:
            found = slots(session, datetime.now(UTC))
        except DomainError:
            found = []
        if not found:
            return "I'm sorry, I can't find an open slot in the next few days. I can take a message instead."
        state["offered"] = found[0].isoformat().replace("+00:00", "Z")
        return f"The next opening is {_spoken(state['offered'])}. Shall I book it for you?"
    if intent == "hours":
        return _hours(session)
    if intent == "message":
        state["taking_message"] = True
        return "Of course. What message would you like to leave?"
    return f"Sorry, I didn't catch that. {MENU}"
