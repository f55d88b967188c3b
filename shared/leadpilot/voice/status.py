"""Twilio's call status callbacks: each (CallSid, CallStatus) applied once, a status never moved backwards; the
end of a call settles its minutes and cost and says what happened (call.completed / .missed / .voicemail)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.errors import ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.sms.webhooks import require_owner
from leadpilot.voice import calls, metering
from leadpilot.voice.answer import field
from leadpilot.voice.models import CallItem, CallStatusSeenItem, call_pk

RANK = {"queued": 1, "initiated": 1, "ringing": 2, "in-progress": 3, "completed": 4, "busy": 4, "no-answer": 4,
        "failed": 4, "canceled": 4}
TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
_SEEN_TTL_S = 30 * 86400


def on_status(settings: Settings, form: Mapping[str, str], signed_by: str | None, workspace_id: str | None = None,
              call_id: str | None = None, now: datetime | None = None) -> str:
    """Apply one status callback; returns what happened (a status, "duplicate", "stale" or "unknown")."""
    now = now or datetime.now(UTC)
    sid, status = field(form, "CallSid"), field(form, "CallStatus").lower()
    if status not in RANK:
        raise ValidationFailed.field("CallStatus", f"is not a known call status: {status[:40]}")
    if workspace_id and call_id:
        require_owner(signed_by, workspace_id, "CallSid")
        call: CallItem | None = calls.get_item(workspace_id, call_id)
    else:
        call = calls.by_sid(sid)
        if call is None:
            logger.info("status callback of an unknown call", extra={"sid": sid[:64], "status": status})
            return "unknown"
        require_owner(signed_by, call.workspace_id, "CallSid")
    assert call is not None
    if call.provider_sid and call.provider_sid != sid:
        raise ValidationFailed.field("CallSid", "is not this call's")
    for _ in range(3):
        result = _apply(settings, call, status, form, now)
        if result != "raced":
            return result
        call = calls.get_item(call.workspace_id, call.call_id)
    return "raced"


def _ours(call: CallItem, status: str) -> str:
    """Our status after Twilio's."""
    if status in ("queued", "initiated"):
        return call.status
    if status == "ringing":
        return "ringing" if call.status in ("queued", "ringing") else call.status
    if status == "in-progress":
        return call.status if call.status == "voicemail" else "in_progress"
    if call.status == "voicemail":
        return "voicemail"
    if status == "completed":
        if call.mode == "forward":  # a person was dialled: missed unless they picked up
            return "completed" if calls.details_of(call).get("dial_status") == "completed" else "missed"
        return "completed" if call.started_at or call.answered_by else "missed"
    return "failed" if status == "failed" else "missed"


def _apply(settings: Settings, call: CallItem, status: str, form: Mapping[str, str], now: datetime) -> str:
    seen = CallStatusSeenItem(call_pk(call.workspace_id, call.call_id), f"STATUS#{status}", received_at=now_iso(),
                              expires_at=int(now.timestamp()) + _SEEN_TTL_S)
    current = call.provider_status or ""
    forward = RANK[status] > RANK.get(current, 0) and current not in TERMINAL
    events = []
    ours = _ours(call, status)
    try:
        with transaction(settings) as txn:
            txn.save(seen, condition=CallStatusSeenItem.PK.does_not_exist())
            if forward:
                actions: list[Any] = [CallItem.provider_status.set(status), CallItem.status.set(ours),
                                      CallItem.updated_at.set(now_iso())]
                if status == "in-progress" and not call.started_at:
                    call.started_at = now_iso()  # type: ignore[assignment]
                    actions.append(CallItem.started_at.set(call.started_at))
                    events.append(("call.started", {"mode": call.mode}))
                if status in TERMINAL:
                    duration = _duration(form)
                    call.duration_s, call.ended_at = duration, now_iso()  # type: ignore[assignment]
                    actions += [CallItem.duration_s.set(duration), CallItem.ended_at.set(call.ended_at)]
                    if ours == "completed" and call.mode in ("relay", "gather"):
                        call.analysis_status = "pending"  # type: ignore[assignment]
                        actions.append(CallItem.analysis_status.set("pending"))
                    events.append(_end_event(call, ours, status))
                condition = (CallItem.provider_status == current) if current else \
                    CallItem.provider_status.does_not_exist()
                txn.update(call, actions=actions, condition=condition)
                call.status, call.provider_status = ours, status  # type: ignore[assignment]
                items = [calls.call_event(call, kind, **extra) for kind, extra in events]
                for item in items:
                    txn.save(item)
    except TransactWriteError as exc:
        reasons = list(exc.cancellation_reasons or [])
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return "duplicate"
        if len(reasons) > 1 and reasons[1] is not None and reasons[1].code == "ConditionalCheckFailed":
            return "raced"
        raise
    if not forward:
        return "stale"
    publish_now(settings, items)
    if status in TERMINAL:
        _ended(settings, call)
    return ours


def _duration(form: Mapping[str, str]) -> int:
    raw = (form.get("CallDuration") or "0").strip()
    return int(raw) if raw.isdigit() and len(raw) < 7 else 0


def _end_event(call: CallItem, ours: str, status: str) -> tuple[str, dict[str, Any]]:
    minutes = calls.minutes_of(int(call.duration_s or 0))
    if ours == "voicemail":
        return "call.voicemail", {"duration_s": int(call.duration_s or 0), "minutes": minutes}
    if ours == "completed":
        return "call.completed", {"duration_s": int(call.duration_s or 0), "minutes": minutes, "mode": call.mode}
    return "call.missed", {"reason": status, "refused": calls.details_of(call).get("refused")}


def _ended(settings: Settings, call: CallItem) -> None:
    """After the end is recorded: settle the minutes, record the cost, tell people and any waiting flow."""
    try:
        metering.settle(settings, call)
        details = {**calls.details_of(call), "cost": calls.cost_of(call)}
        call.update(actions=[CallItem.details.set(json.dumps(details))])
    except Exception:  # the end is recorded; usage is reconciled from the call records
        logger.exception("settling a call's minutes failed", extra={"call_id": call.call_id})
    metrics.add_metric(name=f"Call{call.status.capitalize().replace('_', '')}", unit="Count", value=1)
    if call.status == "missed" and call.direction == "inbound":
        from leadpilot.voice.notify import notify_owner

        notify_owner(settings, call, "call_missed", f"Missed call from {call.from_}")
    if call.status in ("missed", "failed", "voicemail"):
        from leadpilot.voice.flow import resolve

        resolve(settings, call, {"voicemail": "voicemail"}.get(call.status, "no_answer"))
