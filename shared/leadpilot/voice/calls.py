"""Call records: creating one, reading and listing them, the transcript, and the events about a call."""
from __future__ import annotations

import json
import time
from typing import Any

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_iso
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import NotFound
from leadpilot.events.record import event_item
from leadpilot.ids import new_id
from leadpilot.voice.config import RELAY_MICROS_PER_MINUTE
from leadpilot.voice.models import CallItem, CallSidItem, InterruptItem, TurnItem, call_pk, calls_pk

PROVIDER_ACTOR = {"type": "system", "id": "voice"}
MAX_TURN_CHARS = 4000


def new_call(workspace_id: str, direction: str, from_: str, to: str, *, number_id: str | None,
             contact_id: str | None, mode: str, status: str = "queued", sid: str | None = None,
             details: dict[str, Any] | None = None, call_id: str | None = None) -> CallItem:
    at = now_iso()
    call_id = call_id or new_id()
    return CallItem(calls_pk(workspace_id), f"CALL#{call_id}", call_id=call_id, workspace_id=workspace_id,
                    direction=direction, from_=from_, to=to, number_id=number_id, contact_id=contact_id,
                    status=status, mode=mode, provider_sid=sid, details=json.dumps(details or {}),
                    created_at=at, updated_at=at)


def sid_item(sid: str, workspace_id: str, call_id: str) -> CallSidItem:
    return CallSidItem(f"CALL_SID#{sid}", "SID", workspace_id=workspace_id, call_id=call_id)


def get_item(workspace_id: str, call_id: str) -> CallItem:
    try:
        return CallItem.get(calls_pk(workspace_id), f"CALL#{call_id}", consistent_read=True)
    except CallItem.DoesNotExist as exc:
        raise NotFound("call not found", {"field": "call_id"}) from exc


def by_sid(sid: str) -> CallItem | None:
    """The call a Twilio CallSid belongs to, in whichever workspace."""
    try:
        ref = CallSidItem.get(f"CALL_SID#{sid}", "SID", consistent_read=True)
    except CallSidItem.DoesNotExist:
        return None
    try:
        return get_item(ref.workspace_id, ref.call_id)
    except NotFound:
        return None


def details_of(item: CallItem) -> dict[str, Any]:
    return dict(json.loads(item.details or "{}"))


def minutes_of(duration_s: int | None) -> int:
    """Billed minutes: each call rounded up to the whole minute, as Twilio bills."""
    return 0 if not duration_s else -(-int(duration_s) // 60)


def cost_of(item: CallItem, tokens: int | None = None) -> dict[str, int]:
    """The call's cost to the platform in micro-dollars: telephony, relay and model tokens."""
    from leadpilot.usage.pricing import cost_micros

    minutes = minutes_of(int(item.duration_s) if item.duration_s is not None else None)
    used = int(item.tokens or 0) if tokens is None else tokens
    telephony = cost_micros("voice_minutes", minutes)
    relay = RELAY_MICROS_PER_MINUTE * minutes if item.mode == "relay" else 0
    tokens_micros = cost_micros("ai_tokens", used)
    return {"telephony_micros": telephony, "relay_micros": relay, "tokens_micros": tokens_micros,
            "total_micros": telephony + relay + tokens_micros, "tokens": used}


def to_dict(item: CallItem, transcript: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    details = details_of(item)
    analysis = details.get("analysis") or {}
    data: dict[str, Any] = {
        "id": item.call_id, "direction": item.direction, "from": item.from_, "to": item.to,
        "number_id": item.number_id, "contact_id": item.contact_id, "status": item.status, "mode": item.mode,
        "provider_status": item.provider_status, "provider_sid": item.provider_sid, "answered_by": item.answered_by,
        "duration_s": int(item.duration_s) if item.duration_s is not None else None,
        "minutes": minutes_of(int(item.duration_s) if item.duration_s is not None else None),
        "recording_url": item.recording_key, "outcome": item.outcome,
        "summary": analysis.get("summary"), "sentiment": analysis.get("sentiment"),
        "analysis": None if item.analysis_status is None else {
            "status": item.analysis_status, "generator": analysis.get("generator"),
            "fields": analysis.get("fields") or {}, "analyzed_at": analysis.get("analyzed_at")},
        "handoff": details.get("handoff"), "cost": cost_of(item),
        "started_at": item.started_at, "ended_at": item.ended_at, "created_at": item.created_at,
        "updated_at": item.updated_at}
    if transcript is not None:
        data["transcript"] = transcript
    return data


def get_call(workspace_id: str, call_id: str) -> dict[str, Any]:
    """A call with its transcript."""
    return to_dict(get_item(workspace_id, call_id), transcript(workspace_id, call_id))


def call_page(workspace_id: str, limit: int, cursor: str | None,
              contact_id: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the workspace's calls, newest first (optionally one contact's)."""
    items, next_cursor = query_page(CallItem, calls_pk(workspace_id), "CALL#", limit, decode_cursor(cursor),
                                    newest_first=True)
    return [to_dict(i) for i in items if contact_id is None or i.contact_id == contact_id], next_cursor


# -- transcript ---------------------------------------------------------------------------------------------------
def turns(workspace_id: str, call_id: str) -> list[TurnItem]:
    return list(TurnItem.query(call_pk(workspace_id, call_id), TurnItem.SK.startswith("TURN#"),
                               consistent_read=True))


def transcript(workspace_id: str, call_id: str) -> list[dict[str, Any]]:
    """The conversation turn by turn (an action the agent took shows as a short "action" turn)."""
    shown = []
    for turn in turns(workspace_id, call_id):
        if turn.role == "tool":
            shown.append({"role": "action", "text": f"{turn.tool}: {_brief(turn.result)}", "at": turn.at,
                          "interrupted": False})
        else:
            shown.append({"role": turn.role, "text": turn.text, "at": turn.at, "interrupted": bool(turn.interrupted)})
    return shown


def _brief(result: str | None) -> str:
    try:
        value = json.loads(result or "{}")
    except ValueError:
        return (result or "")[:200]
    if isinstance(value, dict):
        return str(value.get("message") or value.get("status") or value.get("error") or "done")[:200]
    return str(value)[:200]


def new_turn(workspace_id: str, call_id: str, role: str, text: str, **tool: Any) -> TurnItem:
    """A turn stamped now (its place in the conversation), not saved yet."""
    return TurnItem(call_pk(workspace_id, call_id), f"TURN#{new_id()}", role=role, text=text[:MAX_TURN_CHARS],
                    at=now_iso(), **tool)


def add_turn(workspace_id: str, call_id: str, role: str, text: str, **tool: Any) -> TurnItem:
    turn = new_turn(workspace_id, call_id, role, text, **tool)
    turn.save()
    return turn


def keep_heard(workspace_id: str, call_id: str, heard: str) -> bool:
    """The caller interrupted the agent: its answer keeps only the words the caller heard.

    The answer may still be streaming in another invocation (not saved yet). So the interruption is written first,
    then the last turn is cut if it is the agent's; the streaming side, after saving its turn, looks for the
    interruption and cuts its own turn. Whichever comes second applies it (cutting twice gives the same text)."""
    mark = InterruptItem(call_pk(workspace_id, call_id), "INTERRUPT", heard=heard, at=now_iso(),
                         expires_at=int(time.time()) + 3600)
    mark.save()
    for turn in TurnItem.query(call_pk(workspace_id, call_id), TurnItem.SK.startswith("TURN#"),
                               scan_index_forward=False, limit=5, consistent_read=True):
        if turn.role == "agent":
            cut(turn, heard)
            return True
        if turn.role == "caller":
            return False  # the answer is still streaming: its side applies the interruption
    return False


def cut(turn: TurnItem, heard: str) -> None:
    turn.text = _heard_part(turn.text, heard)  # type: ignore[assignment]
    turn.interrupted = True  # type: ignore[assignment]
    turn.update(actions=[TurnItem.text.set(turn.text), TurnItem.interrupted.set(True)])


def interruption(workspace_id: str, call_id: str, since: str) -> InterruptItem | None:
    """The caller's interruption of an answer started at `since`, if any."""
    try:
        mark = InterruptItem.get(call_pk(workspace_id, call_id), "INTERRUPT", consistent_read=True)
    except InterruptItem.DoesNotExist:
        return None
    return mark if mark.at >= since else None


def _heard_part(said: str, heard: str) -> str:
    """What Twilio says was played before the interruption, as a prefix of what the agent said when it is one."""
    heard = heard.strip()
    if not heard:
        return ""
    at = said.find(heard)
    return said[:at + len(heard)] if at >= 0 else heard


# -- events -------------------------------------------------------------------------------------------------------
def call_event(item: CallItem, event_type: str, **extra: Any) -> ActivityItem:
    """A domain event about a call, on its contact's timeline when it has one."""
    data: dict[str, Any] = {"call_id": item.call_id, "contact_id": item.contact_id, "direction": item.direction,
                            "from": item.from_, "to": item.to, "status": item.status,
                            "provider_sid": item.provider_sid, **extra}
    return event_item(item.workspace_id, PROVIDER_ACTOR, event_type, data, contact_id=item.contact_id)
