"""The usage ledger: one append-only entry per charge, written in the charge's own transaction (ADR 0026).

Keys (CRM table): the entries and rollups of a workspace's month share `WS#<ws>#LEDGER#<yyyy-mm>`, so a month
is one Query; an idempotency key holds `WS#<ws>#LEDGER_KEY#<key>`, written under a does-not-exist condition,
so a repeated charge cancels its whole transaction and changes nothing.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from pynamodb.transactions import TransactWrite

from leadpilot.errors import ValidationFailed
from leadpilot.ids import new_id
from leadpilot.usage import pricing
from leadpilot.usage.models import LedgerEntryItem, LedgerKeyItem, UsageRollupItem

CAUSE_TYPES = ("message", "email", "call", "run", "ai_feature")
SHARDS = 8
MAX_KEY_LENGTH = 200


class LedgerRef(TypedDict):
    """The idempotency key and cause of a charge or refund: `usage.charge(..., **ref)`."""

    key: str
    cause: dict[str, str]


def sms_charge(message_id: str) -> LedgerRef:
    """One text's charge."""
    return {"key": f"sms:{message_id}", "cause": {"type": "message", "id": message_id}}


def sms_refund(message_id: str) -> LedgerRef:
    """One text's refund: once, however often its refusal is redelivered."""
    return {"key": f"refund:sms:{message_id}", "cause": {"type": "message", "id": message_id}}


def email_charge(message_id: str) -> LedgerRef:
    """One email's charge: a send retried with the same message id is charged once."""
    return {"key": f"email:{message_id}", "cause": {"type": "email", "id": message_id}}


def email_refund(message_id: str) -> LedgerRef:
    """One email's refund."""
    return {"key": f"refund:email:{message_id}", "cause": {"type": "email", "id": message_id}}


@dataclass(frozen=True)
class Entry:
    """What one ledger entry records (before it is written)."""

    workspace_id: str
    product: str
    quantity: int  # negative: a refund
    usage_at: datetime  # UTC; a refund's is its charge's
    key: str
    cause: dict[str, str] | None
    markup: Decimal

    @property
    def month(self) -> str:
        return self.usage_at.strftime("%Y-%m")

    @property
    def day(self) -> str:
        return self.usage_at.strftime("%d")

    @property
    def cost(self) -> int:
        return pricing.cost_micros(self.product, self.quantity)

    @property
    def billed_e4(self) -> int:
        return billed_e4(self.cost, self.markup)


def ledger_pk(workspace_id: str, month: str) -> str:
    return f"WS#{workspace_id}#LEDGER#{month}"


def key_pk(workspace_id: str, key: str) -> str:
    return f"WS#{workspace_id}#LEDGER_KEY#{key}"


def rollup_sk(product: str, day: str | None = None) -> str:
    return f"ROLLUP#M#{product}" if day is None else f"ROLLUP#D#{day}#{product}"


def shard(workspace_id: str) -> int:
    return zlib.crc32(workspace_id.encode()) % SHARDS


def platform_pk(month: str, shard_no: int) -> str:
    return f"USAGE#{month}#{shard_no}"


def billed_e4(cost: int, markup: Decimal) -> int:
    """The exact billed amount in 1/10,000 micro-dollars: markups have two decimals, so this is an integer."""
    return cost * (10_000 + int(markup * 100))


def billed_micros(total_e4: int) -> int:
    """A sum of exact billed amounts, rounded half-up to the micro-dollar once (as pricing.billed_micros)."""
    whole, rest = divmod(total_e4, 10_000)
    return whole + (1 if rest >= 5_000 else 0)


def check_key(key: str | None) -> str:
    """The idempotency key of a charge (a fresh one when the caller has none)."""
    if key is None:
        return f"auto:{new_id()}"
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed.field("key", f"must be a string of 1 to {MAX_KEY_LENGTH} characters")
    return key


def check_cause(cause: dict[str, Any] | None) -> dict[str, str] | None:
    """{type: message|email|call|run|ai_feature, id}: what caused a charge."""
    if cause is None:
        return None
    if not isinstance(cause, dict) or cause.get("type") not in CAUSE_TYPES:
        raise ValidationFailed.field("cause/type", f"must be one of {', '.join(CAUSE_TYPES)}")
    if not isinstance(cause.get("id"), str) or not cause["id"]:
        raise ValidationFailed.field("cause/id", "must be a non-empty string")
    return {"type": cause["type"], "id": cause["id"]}


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add_entry(txn: TransactWrite, entry: Entry, recorded_at: datetime) -> None:
    """The entry, its key claim and its day and month rollups, in the caller's transaction."""
    entry_id = new_id()
    sk = f"E#{_iso(entry.usage_at)}#{entry_id}"
    pk = ledger_pk(entry.workspace_id, entry.month)
    txn.save(LedgerKeyItem(key_pk(entry.workspace_id, entry.key), "KEY", entry_sk=sk, month=entry.month,
                           usage_at=_iso(entry.usage_at), quantity=entry.quantity, product=entry.product,
                           markup_percent=str(entry.markup)),
             condition=LedgerKeyItem.PK.does_not_exist())
    txn.save(LedgerEntryItem(
        pk, sk, entry_id=entry_id, workspace_id=entry.workspace_id, product=entry.product, quantity=entry.quantity,
        unit_cost_micros=pricing.UNIT_COST_MICROS[entry.product], cost_micros=entry.cost,
        markup_percent=str(entry.markup), billed_e4=entry.billed_e4, usage_at=_iso(entry.usage_at),
        recorded_at=_iso(recorded_at), idempotency_key=entry.key,
        cause_type=entry.cause["type"] if entry.cause else None, cause_id=entry.cause["id"] if entry.cause else None),
        condition=LedgerEntryItem.PK.does_not_exist())
    index_pk = platform_pk(entry.month, shard(entry.workspace_id))
    for day in (None, entry.day):
        period = entry.month if day is None else f"{entry.month}-{day}"
        index_sk = (f"M#{entry.workspace_id}#{entry.product}" if day is None
                    else f"D#{day}#{entry.workspace_id}#{entry.product}")
        txn.update(UsageRollupItem(pk, rollup_sk(entry.product, day)), actions=[
            UsageRollupItem.quantity.add(entry.quantity), UsageRollupItem.cost_micros.add(entry.cost),
            UsageRollupItem.billed_e4.add(entry.billed_e4), UsageRollupItem.entries.add(1),
            UsageRollupItem.kind.set(UsageRollupItem), UsageRollupItem.workspace_id.set(entry.workspace_id),
            UsageRollupItem.product.set(entry.product), UsageRollupItem.period.set(period),
            UsageRollupItem.GSI1PK.set(index_pk), UsageRollupItem.GSI1SK.set(index_sk)])


def first_charge(workspace_id: str, key: str) -> LedgerKeyItem | None:
    """The ledger's record of a key already charged (a repeat is answered with the first charge)."""
    try:
        return LedgerKeyItem.get(key_pk(workspace_id, key), "KEY", consistent_read=True)
    except LedgerKeyItem.DoesNotExist:
        return None
