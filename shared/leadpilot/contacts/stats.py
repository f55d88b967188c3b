"""The contact-count projection, fed by contact events; idempotent per event id."""
from __future__ import annotations

from collections import Counter
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ContactStatsItem, ProcessedEventItem
from leadpilot.settings import Settings

CONSUMER = "contact-stats"
_DEDUPE_TTL_S = 7 * 24 * 3600
_MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit


def _deltas(event: dict[str, Any]) -> dict[str, int]:
    """How an event moves the counters: key 'CONTACTS' is the total, 'CONTACTS#SOURCE#<s>' per source."""
    kind, data = event["type"], event.get("data", {})
    source = data.get("source") or "(none)"
    if kind == "contact.created":
        return {"CONTACTS": 1, f"CONTACTS#SOURCE#{source}": 1}
    if kind in ("contact.deleted", "contact.erased"):
        return {"CONTACTS": -1, f"CONTACTS#SOURCE#{source}": -1}
    if kind == "contact.merged":
        gone = data.get("duplicate", {}).get("source") or "(none)"
        return {"CONTACTS": -1, f"CONTACTS#SOURCE#{gone}": -1}
    change = event.get("changes", {}).get("source")
    if kind == "contact.updated" and change:
        return {f"CONTACTS#SOURCE#{change['from'] or '(none)'}": -1, f"CONTACTS#SOURCE#{change['to'] or '(none)'}": 1}
    return {}


def apply_event(settings: Settings, event: dict[str, Any]) -> bool:
    """Apply one contact event once. Returns False when it had already been applied."""
    deltas = _deltas(event)
    ws = event["workspace_id"]
    marker = ProcessedEventItem(f"WS#{ws}#EVENTS", f"{CONSUMER}#{event['id']}", processed_at=now_iso(),
                                expires_at=now_epoch() + _DEDUPE_TTL_S)
    try:
        with transaction(settings) as txn:
            txn.save(marker, condition=ProcessedEventItem.PK.does_not_exist())
            for sk, delta in deltas.items():
                txn.update(ContactStatsItem(f"WS#{ws}#STATS", sk), actions=[ContactStatsItem.total.add(delta),
                                                                                         ContactStatsItem.kind.set(ContactStatsItem)])
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return False
        raise
    return True


def apply_events(settings: Settings, events: list[dict[str, Any]]) -> bool:
    """Apply a batch of contact events in one transaction (every marker, each counter's summed ADD). False when
    it could not (an event applied before, a repeat in the batch, a conflict): nothing was applied, and the
    caller applies the events one at a time, which sorts duplicates from failures."""
    ids = [e["id"] for e in events]
    totals: Counter[tuple[str, str]] = Counter()
    for event in events:
        for sk, delta in _deltas(event).items():
            totals[(event["workspace_id"], sk)] += delta
    moves = {key: n for key, n in totals.items() if n}
    if not events or len(set(ids)) != len(ids) or len(events) + len(moves) > _MAX_TRANSACTION_ITEMS:
        return False
    expires = now_epoch() + _DEDUPE_TTL_S
    try:
        with transaction(settings) as txn:
            for event in events:
                txn.save(ProcessedEventItem(f"WS#{event['workspace_id']}#EVENTS", f"{CONSUMER}#{event['id']}",
                                            processed_at=now_iso(), expires_at=expires),
                         condition=ProcessedEventItem.PK.does_not_exist())
            for (ws, sk), n in moves.items():
                txn.update(ContactStatsItem(f"WS#{ws}#STATS", sk), actions=[ContactStatsItem.total.add(n),
                                                                            ContactStatsItem.kind.set(ContactStatsItem)])
    except TransactWriteError:
        return False
    return True


def read_stats(workspace_id: str) -> dict[str, Any]:
    """Total contacts and the count per source."""
    total, by_source = 0, {}
    for item in ContactStatsItem.query(f"WS#{workspace_id}#STATS", ContactStatsItem.SK.startswith("CONTACTS")):
        if item.SK == "CONTACTS":
            total = int(item.total)
        elif int(item.total):
            by_source[item.SK.split("#", 2)[2]] = int(item.total)
    return {"total": total, "by_source": by_source}
