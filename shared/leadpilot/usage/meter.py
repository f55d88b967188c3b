"""Charging and refunding usage: two counters (the UTC day and month) moved together, under their limits.

A charge is one TransactWriteItems of two conditional `ADD used :n` updates and its ledger entry (see
`usage.ledger`), so concurrent sends can never push a counter past its limit, a refused charge changes neither
counter, and the ledger and the counters never disagree. Transaction conflicts (two
charges of one counter at the same instant) are retried with jitter.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.db.base import transaction
from leadpilot.errors import DomainError, ValidationFailed
from leadpilot.settings import Settings
from leadpilot.usage import ledger, pricing
from leadpilot.usage.limits import effective_limits
from leadpilot.usage.models import LedgerKeyItem, UsageCounterItem

KINDS = ("sms_segments", "emails", "voice_minutes", "ai_tokens")
_DAY_COUNTER_TTL_S = 90 * 86400
_MAX_ATTEMPTS = 12
REFUND_PREFIX = "refund:"


class LimitReached(DomainError):
    """A charge would pass a plan limit: the send is refused (never dropped silently)."""

    status = 429
    code = "usage_limit_reached"


@dataclass(frozen=True)
class Charge:
    """What was charged, and when: a refund goes back to the same day and month. `repeat`: the key had been
    charged before, so nothing changed and this describes the first charge."""

    workspace_id: str
    kind: str
    amount: int
    at: str  # ISO 8601 UTC
    key: str | None = None
    repeat: bool = False


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
           enforce: bool = True, key: str | None = None, cause: dict[str, Any] | None = None) -> Charge:
    """Add `amount` of `kind` to today's and this month's counters and write its ledger entry, in one transaction;
    LimitReached (429) names the counter that would pass its limit, and then nothing is counted. `enforce=False`
    counts without checking (compliance replies, which must go out whatever the plan). A `key` charged before
    changes nothing and answers the first charge (`repeat=True`); `cause` is {type, id} of what was charged for."""
    _check(kind, amount)
    key, checked_cause = ledger.check_key(key), ledger.check_cause(cause)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    limits: dict[str, int | None] = effective_limits(workspace_id, kind) if enforce else {"day": None, "month": None}
    for period in ("day", "month"):
        limit = limits[period]
        if limit is not None and amount > limit:
            raise _refusal(kind, period, limit, None, amount)
    if amount:
        entry = ledger.Entry(workspace_id, kind, amount, at, key, checked_cause, pricing.markups(workspace_id)[kind])
        first = _write(settings, entry, limits)
        if first is not None:
            return Charge(workspace_id, kind, int(first.quantity), str(first.usage_at), key, repeat=True)
    return Charge(workspace_id, kind, amount, _iso(at), key)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _write(settings: Settings, entry: ledger.Entry, limits: dict[str, int | None]) -> LedgerKeyItem | None:
    """Counters, ledger entry and rollups in one transaction; the first charge's key item when it is a repeat."""
    pk, keys = usage_pk(entry.workspace_id), periods(entry.usage_at)
    for attempt in range(_MAX_ATTEMPTS):
        try:
            with transaction(settings) as txn:
                for period in ("day", "month"):
                    txn.update(UsageCounterItem(pk, counter_sk(entry.product, period, keys[period])),
                               actions=_counter_actions(period, entry), condition=_limit(limits[period], entry))
                ledger.add_entry(txn, entry, datetime.now(UTC))
            return None
        except TransactWriteError as exc:
            # pynamodb sends puts before updates: the key claim, the entry, then the day and month counters
            failed = [r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []]
            if failed[:1] == [True]:
                first = ledger.first_charge(entry.workspace_id, entry.key)
                if first is not None:
                    return first  # the same key again: the transaction changed nothing
            for period, refused in zip(("day", "month"), failed[2:4], strict=False):
                if refused:
                    raise _refusal(entry.product, period, int(limits[period] or 0),
                                   _used(pk, entry.product, period, keys[period]), entry.quantity) from exc
            if attempt == _MAX_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # a conflicting charge: try again
    return None  # unreachable: the last attempt raises


def _counter_actions(period: str, entry: ledger.Entry) -> list[Any]:
    actions: list[Any] = [UsageCounterItem.used.add(entry.quantity), UsageCounterItem.kind.set(UsageCounterItem)]
    if period == "day" and entry.quantity > 0:
        actions.append(UsageCounterItem.expires_at.set(int(entry.usage_at.timestamp()) + _DAY_COUNTER_TTL_S))
    return actions


def _limit(limit: int | None, entry: ledger.Entry) -> Any:
    if limit is None or entry.quantity <= 0:
        return None
    return UsageCounterItem.used.does_not_exist() | (UsageCounterItem.used <= limit - entry.quantity)


def _used(pk: str, kind: str, period: str, value: str) -> int:
    try:
        return int(UsageCounterItem.get(pk, counter_sk(kind, period, value), consistent_read=True).used or 0)
    except UsageCounterItem.DoesNotExist:
        return 0


def refund(settings: Settings, workspace_id: str, kind: str, amount: int, *, charged_at: str,
           key: str | None = None, cause: dict[str, Any] | None = None) -> bool:
    """Take back a charge whose send was refused later (blocked, cancelled, rejected by the provider): a negative
    ledger entry on the charge's day and month. A `key` refunded before changes nothing (False). A key
    `refund:<charge key>` bills the refund at its charge's markup, so the two cancel exactly."""
    _check(kind, amount)
    if not amount:
        return False
    at = datetime.fromisoformat(charged_at.replace("Z", "+00:00")).astimezone(UTC)
    entry = ledger.Entry(workspace_id, kind, -amount, at, ledger.check_key(key), ledger.check_cause(cause),
                         _markup_of(workspace_id, kind, key))
    return _write(settings, entry, {"day": None, "month": None}) is None


def _markup_of(workspace_id: str, kind: str, key: str | None) -> Decimal:
    """The markup a refund is billed at: its charge's when the key names it, else today's."""
    if key is not None and key.startswith(REFUND_PREFIX):
        first = ledger.first_charge(workspace_id, key.removeprefix(REFUND_PREFIX))
        if first is not None and first.markup_percent is not None:
            return Decimal(first.markup_percent)
    return pricing.markups(workspace_id)[kind]


def used(workspace_id: str, kind: str, now: datetime | None = None) -> dict[str, int]:
    """Today's and this month's counts of one kind."""
    keys = periods(now or datetime.now(UTC))
    pk = usage_pk(workspace_id)
    return {period: _used(pk, kind, period, keys[period]) for period in ("day", "month")}
