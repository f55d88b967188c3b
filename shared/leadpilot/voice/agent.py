"""The voice agent's turn: the caller said something, the agent answers (streaming its words as they come)
and may act through tools. Online: OpenAI chat completions, streamed, with tool calls. Offline (no key): rules
and templates for the common intents, and it says it is offline."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from leadpilot.automation.ai.provider import AiConfig, _client
from leadpilot.clock import now_iso
from leadpilot.observability import logger
from leadpilot.voice import calls, offline
from leadpilot.voice.models import TurnItem
from leadpilot.voice.tools import ENDING, Session, openai_tools, run

Emit = Callable[[str], None]
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="voice-turns")
APOLOGY = "Sorry, I'm having trouble right now. Let me take a message or have someone call you back."


@dataclass
class Reply:
    text: str
    tokens: int
    generator: str


def system_prompt(session: Session) -> str:
    cfg = session.config.config
    purpose = calls.details_of(session.call).get("purpose")
    caller = session.call.from_ if session.call.direction == "inbound" else session.call.to
    parts = [cfg["instructions"], "You are speaking on a phone call: short sentences, no lists, no markdown.",
             f"Business knowledge:\n{cfg['knowledge']}" if cfg["knowledge"] else "",
             f"This is an outbound call. Its purpose: {purpose}" if purpose else "",
             f"The caller's number is {caller}."]
    return "\n\n".join(p for p in parts if p)


def history(session: Session, turns: list[TurnItem] | None = None) -> list[dict[str, Any]]:
    """The conversation so far as chat messages (tool calls with their results)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt(session)}]
    for turn in calls.turns(session.workspace_id, session.call.call_id) if turns is None else turns:
        if turn.role == "caller":
            messages.append({"role": "user", "content": turn.text})
        elif turn.role == "agent" and turn.text:
            messages.append({"role": "assistant", "content": turn.text})
        elif turn.role == "tool" and turn.tool_call_id:
            call = {"id": turn.tool_call_id, "type": "function",
                    "function": {"name": turn.tool, "arguments": turn.arguments or "{}"}}
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            messages.append({"role": "tool", "tool_call_id": turn.tool_call_id, "content": turn.result or "{}"})
    return messages


def respond(session: Session, ai: AiConfig, said: str, emit: Emit, max_rounds: int = 4,
            earlier: Callable[[], list[TurnItem]] | None = None) -> Reply:
    """Record what the caller said and answer it; words go to `emit` as they are produced."""
    if not ai.online:
        calls.add_turn(session.workspace_id, session.call.call_id, "caller", said)
        return offline.respond(session, said, emit)
    # The caller's turn is written while the model streams: its id (time-ordered) is taken now, before the answer's.
    turn = calls.new_turn(session.workspace_id, session.call.call_id, "caller", said)
    saving = _POOL.submit(turn.save)
    before = earlier() if earlier is not None else calls.turns(session.workspace_id, session.call.call_id)
    try:
        return _online(session, ai, emit, max_rounds, [*before, turn])
    except Exception as exc:  # the provider failed mid-call: the caller hears an apology, not silence
        import openai

        if not isinstance(exc, openai.OpenAIError):
            raise
        logger.warning("the voice model failed", extra={"error": type(exc).__name__})
        emit(APOLOGY)
        calls.add_turn(session.workspace_id, session.call.call_id, "agent", APOLOGY)
        return Reply(APOLOGY, 0, "openai")
    finally:
        saving.result()


class _Listener:
    """Passes the answer's words on while watching (every CHECK_S) for the caller speaking over it."""

    CHECK_S = 0.3

    def __init__(self, session: Session, emit: Emit) -> None:
        self.session, self.emit = session, emit
        self.since, self.checked = now_iso(), time.monotonic()
        self.heard: str | None = None  # set once the caller interrupted: what they heard

    def __call__(self, piece: str) -> None:
        if self.heard is None and time.monotonic() - self.checked > self.CHECK_S:
            self.check()
        if self.heard is None:
            self.emit(piece)

    def check(self) -> None:
        self.checked = time.monotonic()
        mark = calls.interruption(self.session.workspace_id, self.session.call.call_id, self.since)
        if mark is not None:
            self.heard = mark.heard


def _online(session: Session, ai: AiConfig, emit: Emit, max_rounds: int, turns: list[TurnItem]) -> Reply:
    client = _client(ai.api_key, ai.base_url, ai.timeout_s)
    messages, tools = history(session, turns), openai_tools(session)
    listener = _Listener(session, emit)
    spoken: list[str] = []
    used = 0
    for _ in range(max_rounds):
        text, tool_calls, tokens = _stream(client, ai.model, messages, tools, listener,
                                           lambda: listener.heard is not None)
        text, used = text.strip(), used + tokens
        if text:
            turn = calls.add_turn(session.workspace_id, session.call.call_id, "agent", text)
            listener.check()  # the caller may have spoken over it while it streamed (ADR 0025)
            if listener.heard is not None:
                calls.cut(turn, listener.heard)
                return Reply(turn.text, used, "openai")
            spoken.append(text)
        if not tool_calls or listener.heard is not None:
            break
        messages.append({"role": "assistant", "content": text or None, "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in tool_calls]})
        for c in tool_calls:
            result = run(session, c["name"], c["arguments"], c["id"])
            messages.append({"role": "tool", "tool_call_id": c["id"], "content": json.dumps(result, default=str)})
        if any(c["name"] in ENDING for c in tool_calls) and session.actions:
            break  # a transfer or goodbye: the transport carries it out
    return Reply(" ".join(spoken), used, "openai")


def _stream(client: Any, model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
            emit: Emit, stopped: Callable[[], bool] = lambda: False) -> tuple[str, list[dict[str, str]], int]:
    """One streamed completion: the text (each piece emitted as it arrives), the tool calls, the tokens used.
    `stopped()` true ends it early (the caller spoke over it: nothing more of it will be heard)."""
    kwargs: dict[str, Any] = {"model": model, "messages": messages, "stream": True, "temperature": 0.3,
                              "stream_options": {"include_usage": True}}
    if tools:
        kwargs["tools"] = tools
    pieces: list[str] = []
    tool_calls: dict[int, dict[str, str]] = {}
    tokens = 0
    stream = client.chat.completions.create(**kwargs)
    for chunk in stream:
        if getattr(chunk, "usage", None) is not None:
            tokens = int(chunk.usage.total_tokens or 0)
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        if delta.content:
            emit(delta.content)
            pieces.append(delta.content)
            if stopped():
                stream.close()
                tokens = tokens or len("".join(pieces)) // 4  # no usage chunk came: about 4 characters a token
                return "".join(pieces), [], tokens
        for call in delta.tool_calls or []:
            slot = tool_calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
            slot["id"] = call.id or slot["id"]
            if call.function is not None:
                slot["name"] += call.function.name or ""
                slot["arguments"] += call.function.arguments or ""
    return "".join(pieces), [tool_calls[i] for i in sorted(tool_calls)], tokens
