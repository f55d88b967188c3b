"""One caller turn, whatever carries the call (ConversationRelay or the <Gather> loop): the usage checks, the
agent's answer, and what the agent decided to do with the call (hand it over, end it)."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from leadpilot.automation.ai.provider import ai_config, for_workspace
from leadpilot.clock import now_iso
from leadpilot.settings import Settings
from leadpilot.voice import calls, metering
from leadpilot.voice import numbers as voice_numbers
from leadpilot.voice.agent import Emit, respond
from leadpilot.voice.config import VoiceConfig
from leadpilot.voice.models import CallItem
from leadpilot.voice.tools import Session

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="voice-reads")
LIMIT_GOODBYE = ("I'm sorry, this line has reached its calling limit for now, so I have to end the call. "
                 "Someone will get back to you. Goodbye.")


@dataclass
class Outcome:
    """What the transport must do after the agent's answer."""

    text: str
    action: dict[str, Any] | None = None  # {"type": "transfer", "to": ...} | {"type": "end", ...}
    extra: list[str] = field(default_factory=list)  # words to say after the answer (a polite goodbye)


def session_of(settings: Settings, call: CallItem) -> Session:
    config = voice_numbers.load(call.workspace_id, call.number_id or "",
                                call.to if call.direction == "inbound" else call.from_)
    return Session(settings, call, config)


def caller_turn(settings: Settings, voice: VoiceConfig, call: CallItem, said: str, emit: Emit) -> Outcome:
    """Answer what the caller said, unless the workspace is at its limit (then a polite goodbye)."""
    try:
        metering.progress(settings, call)
    except metering.LimitReached:
        calls.add_turn(call.workspace_id, call.call_id, "caller", said)
        return _limit(call, emit)
    # The conversation so far, the number's configuration and the workspace's AI key are read side by side: the
    # first token waits for all three.
    earlier = _POOL.submit(calls.turns, call.workspace_id, call.call_id)
    ai_future = _POOL.submit(for_workspace, settings, ai_config(), call.workspace_id)
    session = session_of(settings, call)
    reply = respond(session, ai_future.result(), said, emit, voice.max_agent_rounds, earlier.result)
    action = session.actions[-1] if session.actions else None
    try:
        metering.tokens(settings, call, reply.tokens)
    except metering.LimitReached:
        if action is None:
            return _limit(call, emit, reply.text)
    if action is not None:
        _record_action(settings, call, action)
    return Outcome(reply.text, action)


def _limit(call: CallItem, emit: Emit, said: str = "") -> Outcome:
    emit((" " if said else "") + LIMIT_GOODBYE)
    calls.add_turn(call.workspace_id, call.call_id, "agent", LIMIT_GOODBYE)
    action = {"type": "end", "reason": "usage_limit_reached"}
    _merge(call, {"ended_by": "usage_limit_reached"})
    return Outcome(LIMIT_GOODBYE, action)


def _merge(call: CallItem, changes: dict[str, Any]) -> None:
    details = {**calls.details_of(call), **changes}
    call.update(actions=[CallItem.details.set(json.dumps(details)), CallItem.updated_at.set(now_iso())])


def _record_action(settings: Settings, call: CallItem, action: dict[str, Any]) -> None:
    if action["type"] == "transfer":
        _merge(call, {"handoff": {"to": action["to"], "reason": action["reason"], "at": now_iso()}})
        from leadpilot.voice.notify import notify_owner

        notify_owner(settings, call, "call_handoff", f"Call from {call.from_} handed over: {action['reason']}")
    else:
        _merge(call, {"ended_by": action.get("reason") or "agent"})


def handoff_twiml_target(call: CallItem) -> str | None:
    """The number a handed-over call is dialled to, if the agent handed it over."""
    handoff = calls.details_of(call).get("handoff") or {}
    return handoff.get("to")
