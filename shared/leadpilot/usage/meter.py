"""Charging and refunding usage: two counters (the UTC day and month) moved together, under their limits.

A charge is one TransactWriteItems of two conditional `ADD used :n` updates, so concurrent sends can never
push a counter past its limit and a refused charge changes neither counter. Transaction conflicts (two
charges of one counter at the same instant) are retried with jitter.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.db.base import transaction
from leadpilot.errors import DomainError, ValidationFailed
from leadpilot.settings import Settings
from leadpilot.usage.limits import effective_limits
from leadpilot.usage.models import UsageCounterItem

KINDS = ("sms_segments", "emails", "voice_minutes", "ai_tokens")
_DAY_COUNTER_TTL_S = 90 * 86400
_MAX_ATTEMPTS = 12


class LimitReached(DomainError):
    """A charge would pass a plan limit: the send is refused (never dropped silently)."""

    status = 429
    code = "usage_limit_reached"


@dataclass(frozen=True)
class Charge:
    """What was charged, and when: a refund goes back to the same day and month."""

    workspace_id: str
    kind: str
    amount: int
    at: str  # ISO 8601 UTC


def usage_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#USAGE"


def periods(at: datetime) -> dict[str, str]:
    """The counter keys' periods of an instant: {"day": "2026-11-22", "month": "2026-11"} (UTC)."""
    utc = at.astimezone(UTC)
    return {"day": utc.strftime("%Y-%m-%d"), "month": utc.strftime("%Y-%m")}


def counter_sk(kind: str, period: str, value: str) -> str:
    return f"{kind}#{period.upper()}#{value}"


def _check(kind: str, amount: int) -> None:
    if kind not in KINDS:
        raise ValidationFailed.field("kind", f"must be one of {', '.join(KINDS)}")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValidationFailed.field("amount", "must be a non-negative integer")


def _refusal(kind: str, period: str, limit: int, used: int | None, amount: int) -> LimitReached:
    counter = f"{kind}.{period}"
    return LimitReached(f"{counter} limit reached: {limit} per {period}; this needs {amount} more",
                        {"counter": counter, "kind": kind, "period": period, "limit": limit,
                         "used": used, "requested": amount})


def charge(settings: Settings, workspace_id: str, kind: str, amount: int, *, now: datetime | None = None,
           enforce: bool = True) -> Charge:
    """Add `amount` of `kind` to today's and this month's counters; LimitReached (429) names the counter
    that would pass its limit, and then nothing is counted. `enforce=False` counts without checking
    (compliance replies, which must go out whatever the plan)."""
    _check(kind, amount)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    limits: dict[str, int | None] = effective_limits(workspace_id, kind) if enforce else {"day": None, "month": None}
    keys = periods(at)
    for period in ("day", "month"):
        limit = limits[period]
        if limit is not None and amount > limit:
            raise _refusal(kind, period, limit, None, amount)
    if amount:
        _add(settings, workspace_id, kind, amount, keys, limits, at)
    return Charge(workspace_id, kind, amount, at.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def _add(settings: Settings, workspace_id: str, kind: str, amount: int, keys: dict[str, str],
         limits: dict[str, int | None], at: datetime) -> None:
    pk = usage_pk(workspace_id)
    for attempt in range(_MAX_ATTEMPTS):
        try:
            with transaction(settings) as txn:
                for period in ("day", "month"):
                    item = UsageCounterItem(pk, counter_sk(kind, period, keys[period]))
                    actions: list[Any] = [UsageCounterItem.used.add(amount),
                                          UsageCounterItem.kind.set(UsageCounterItem)]
                    if period == "day":
                        actions.append(UsageCounterItem.expires_at.set(int(at.timestamp()) + _DAY_COUNTER_TTL_S))
                    limit = limits[period]
                    condition = None
                    if limit is not None:
                        condition = UsageCounterItem.used.does_not_exist() | (UsageCounterItem.used <= limit - amount)
                    txn.update(item, actions=actions, condition=condition)
            return
        except TransactWriteError as exc:
            reasons = list(exc.cancellation_reasons or [])
            for period, reason in zip(("day", "month"), reasons, strict=False):
                if reason is not None and reason.code == "ConditionalCheckFailed":
                    raise _refusal(kind, period, int(limits[period] or 0), _used(pk, kind, period, keys[period]),
                                   amount) from exc
            if attempt == _MAX_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # a conflicting charge: try again


def _used(pk: str, kind: str, period: str, value: str) -> int:
    try:
        return int(UsageCounterItem.get(pk, counter_sk(kind, period, value), consistent_read=True).used or 0)
    except UsageCounterItem.DoesNotExist:
        return 0


def refund(settings: Settings, workspace_id: str, kind: str, amount: int, *, charged_at: str) -> None:
    """Take back a charge whose send was refused later (blocked, cancelled, rejected by the provider)."""
    _check(kind, amount)
    if not amount:
        return
    at = datetime.fromisoformat(charged_at.replace("Z", "+00:00"))
    keys = periods(at)
    pk = usage_pk(workspace_id)
    for attempt in range(_MAX_ATTEMPTS):
        try:
            with transaction(settings) as txn:
                for period in ("day", "month"):
                    txn.update(UsageCounterItem(pk, counter_sk(kind, period, keys[period])),
                               actions=[UsageCounterItem.used.add(-amount),
                                        UsageCounterItem.kind.set(UsageCounterItem)])
            return
        except TransactWriteError:
            if attempt == _MAX_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))


def used(workspace_id: str, kind: str, now: datetime | None = None) -> dict[str, int]:
    """Today's and this month's counts of one kind."""
    keys = periods(now or datetime.now(UTC))
    pk = usage_pk(workspace_id)
    return {period: _used(pk, kind, period, keys[period]) for period in ("day", "month")}
