"""Voice minutes and AI tokens on the workspace's usage counters.

A call reserves its first minute before it rings or is answered (a workspace at its limit gets no new call);
while it lasts, each started minute is charged as it begins and the model's tokens after each answer, both under
the limits, so a call in progress that reaches a limit is told so and ended politely; when it ends, the billed
minutes (rounded up, as Twilio bills) are settled against what was charged, without a limit: it happened.
"""
from __future__ import annotations

from datetime import UTC, datetime

from leadpilot.settings import Settings
from leadpilot.usage import meter
from leadpilot.usage.meter import LimitReached
from leadpilot.voice.calls import minutes_of
from leadpilot.voice.models import CallItem

__all__ = ["LimitReached", "progress", "reserve", "settle", "tokens"]


def _cause(call_id: str) -> dict[str, str]:
    return {"type": "call", "id": call_id}


def reserve(settings: Settings, workspace_id: str, call_id: str) -> None:
    """Charge a new call's first minute (once per call: the ledger key is the call's); LimitReached (429
    usage_limit_reached) refuses the call."""
    meter.charge(settings, workspace_id, "voice_minutes", 1, key=f"call:{call_id}:reserve", cause=_cause(call_id))


def progress(settings: Settings, call: CallItem, now: datetime | None = None) -> None:
    """Charge the minutes the call has started since its last charge; LimitReached when over the limit."""
    if not call.started_at:
        return
    started = datetime.fromisoformat(call.started_at.replace("Z", "+00:00"))
    elapsed = ((now or datetime.now(UTC)) - started).total_seconds()
    due = max(1, minutes_of(int(elapsed) + 1)) - int(call.minutes_charged or 0)
    if due > 0:  # keyed by the running total: a repeated tick for the same minutes is one ledger entry
        total = int(call.minutes_charged or 0) + due
        meter.charge(settings, call.workspace_id, "voice_minutes", due, key=f"call:{call.call_id}:minutes:{total}",
                     cause=_cause(call.call_id))
        call.update(actions=[CallItem.minutes_charged.add(due)])


def tokens(settings: Settings, call: CallItem, used: int) -> None:
    """Charge the tokens the model just used (they are spent: counted even past the limit, then LimitReached)."""
    if used <= 0:
        return
    call.update(actions=[CallItem.tokens.add(used), CallItem.tokens_charged.add(used)])
    try:
        meter.charge(settings, call.workspace_id, "ai_tokens", used, cause=_cause(call.call_id))
    except LimitReached:
        meter.charge(settings, call.workspace_id, "ai_tokens", used, enforce=False, cause=_cause(call.call_id))
        raise


def settle(settings: Settings, call: CallItem) -> int:
    """Bring the charged minutes to the billed ones; returns the billed minutes."""
    billed = minutes_of(int(call.duration_s) if call.duration_s is not None else None)
    extra = billed - int(call.minutes_charged or 0)
    if extra > 0:
        meter.charge(settings, call.workspace_id, "voice_minutes", extra, enforce=False,
                     key=f"call:{call.call_id}:settle", cause=_cause(call.call_id))
    elif extra < 0:  # the reserved minute of a call never connected
        meter.refund(settings, call.workspace_id, "voice_minutes", -extra, charged_at=call.created_at,
                     key=f"refund:call:{call.call_id}:reserve", cause=_cause(call.call_id))
    if extra:
        call.update(actions=[CallItem.minutes_charged.set(billed)])
    return billed
