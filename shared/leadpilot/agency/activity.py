"""Monthly activity counters (contacts created, texts, emails, calls, appointments), fed by domain events.

The rollups read these few items per workspace and month instead of scanning messages, calls or appointments.
Each event moves one counter once: a marker per event id is written in the same transaction as the ADD.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.agency.models import ActivityCounterItem
from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ProcessedEventItem
from leadpilot.settings import Settings

CONSUMER = "agency-activity"
_DEDUPE_TTL_S = 7 * 24 * 3600
_MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit

# The event types counted, and the counter each one moves.
METRICS: dict[str, str] = {
    "contact.created": "contacts_created",
    "sms.sent": "sms_sent",
    "sms.received": "sms_received",
    "email.sent": "emails_sent",
    "call.completed": "calls",
    "appointment.booked": "appointments",
}


def activity_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#ACTIVITY"


def counter_sk(metric: str, month: str) -> str:
    return f"{metric}#MONTH#{month}"


def apply_event(settings: Settings, event: dict[str, Any]) -> bool:
    """Count one event in its month (UTC, from occurred_at). False when it was not counted: a duplicate, or a type
    that is not counted."""
    metric = METRICS.get(event.get("type", ""))
    if metric is None:
        return False
    ws, month = event["workspace_id"], str(event["occurred_at"])[:7]
    marker = ProcessedEventItem(f"WS#{ws}#EVENTS", f"{CONSUMER}#{event['id']}", processed_at=now_iso(),
                                expires_at=now_epoch() + _DEDUPE_TTL_S)
    counter = ActivityCounterItem(activity_pk(ws), counter_sk(metric, month))
    try:
        with transaction(settings) as txn:
            txn.save(marker, condition=ProcessedEventItem.PK.does_not_exist())
            txn.update(counter, actions=[ActivityCounterItem.total.add(1),
                                         ActivityCounterItem.kind.set(ActivityCounterItem)])
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return False
        raise
    return True


def apply_events(settings: Settings, events: list[dict[str, Any]]) -> bool:
    """Count a batch of events in one transaction: every marker and each counter's summed ADD. False when it
    could not (an event counted before, a repeat within the batch, a conflicting write): nothing was counted,
    and the caller counts the events one at a time, which sorts duplicates from failures."""
    counted = [(e, METRICS[e["type"]]) for e in events if e.get("type") in METRICS]
    ids = [e["id"] for e, _ in counted]
    if not counted:
        return True  # none of the batch's types is counted
    if len(set(ids)) != len(ids):
        return False
    adds = Counter((e["workspace_id"], metric, str(e["occurred_at"])[:7]) for e, metric in counted)
    if len(counted) + len(adds) > _MAX_TRANSACTION_ITEMS:
        return False
    expires = now_epoch() + _DEDUPE_TTL_S
    try:
        with transaction(settings) as txn:
            for event, _ in counted:
                txn.save(ProcessedEventItem(f"WS#{event['workspace_id']}#EVENTS", f"{CONSUMER}#{event['id']}",
                                            processed_at=now_iso(), expires_at=expires),
                         condition=ProcessedEventItem.PK.does_not_exist())
            for (ws, metric, month), n in adds.items():
                counter = ActivityCounterItem(activity_pk(ws), counter_sk(metric, month))
                txn.update(counter, actions=[ActivityCounterItem.total.add(n),
                                             ActivityCounterItem.kind.set(ActivityCounterItem)])
    except TransactWriteError:
        return False
    return True


def month_counts(workspace_id: str, month: str) -> dict[str, int]:
    """Every metric's count in one month (0 when nothing happened): one BatchGetItem."""
    keys = [(activity_pk(workspace_id), counter_sk(metric, month)) for metric in METRICS.values()]
    found = {str(item.SK).split("#", 1)[0]: int(item.total or 0)
             for item in ActivityCounterItem.batch_get(keys, consistent_read=True)}
    return {metric: found.get(metric, 0) for metric in METRICS.values()}
