"""The reminder scheduler: fires due reminders found through minute buckets, exactly once each.

Each run queries the buckets from the one after its checkpoint up to the current minute (a Query per
minute on GSI1 `REMINDER#<minute>`, never a scan), so after downtime it catches up. A reminder item is
deleted in the transaction that creates its notification and event, conditional on it still being
there unchanged: a bucket processed twice, or by two runs at once, fires nothing twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.db import checkpoints
from leadpilot.db.base import CrmModel, transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.notifications.service import add_to
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.tasks import store
from leadpilot.tasks.entities import Task
from leadpilot.tasks.models import ReminderCheckpointItem, ReminderItem
from leadpilot.tasks.timing import floor_minute, iso, minute_bucket, minutes_label

ACTOR = {"type": "system", "id": "task-reminders"}
FIRST_RUN_LOOKBACK = timedelta(hours=1)
SETTLE = timedelta(minutes=2)  # a bucket counts as complete this long after it ends (GSI propagation)
MAX_BUCKETS_PER_RUN = 720
_CHECKPOINT = ("SCHEDULER#TASK_REMINDERS", "CHECKPOINT")


def _checkpoint() -> datetime | None:
    return checkpoints.load(ReminderCheckpointItem, _CHECKPOINT)


def _save_checkpoint(bucket: datetime, now: datetime) -> None:
    """Move the checkpoint forward only (a slower concurrent run must not move it back)."""
    checkpoints.advance(ReminderCheckpointItem, _CHECKPOINT, bucket, iso(now))


def _due_in(bucket: datetime, now: datetime) -> list[ReminderItem]:
    cutoff = iso(now)
    return [i for i in CrmModel.gsi1.query(f"REMINDER#{minute_bucket(bucket)}")
            if isinstance(i, ReminderItem) and i.fire_at <= cutoff]


def fire_due_reminders(settings: Settings, now: datetime, max_buckets: int = MAX_BUCKETS_PER_RUN) -> dict[str, Any]:
    """Fire every reminder due by `now` in the buckets since the checkpoint; returns what it did."""
    current = floor_minute(now)
    checkpoint = _checkpoint()
    bucket = checkpoint + timedelta(minutes=1) if checkpoint else current - FIRST_RUN_LOOKBACK
    complete, fired, scanned = checkpoint, 0, 0
    while bucket <= current and scanned < max_buckets:
        for reminder in _due_in(bucket, now):
            fired += _fire_safely(settings, reminder, now)
        if bucket <= current - SETTLE:
            complete = bucket
        bucket += timedelta(minutes=1)
        scanned += 1
    if complete is not None and complete != checkpoint:
        _save_checkpoint(complete, now)
    if fired:
        metrics.add_metric(name="TaskReminderFired", unit="Count", value=fired)
    return {"fired": fired, "buckets": scanned, "checkpoint": minute_bucket(complete) if complete else None}


def _fire_safely(settings: Settings, reminder: ReminderItem, now: datetime) -> int:
    try:
        return _fire(settings, reminder)
    except Exception:  # one broken reminder must not hold back everyone else's
        logger.exception("reminder failed", extra={"task_id": reminder.task_id, "workspace_id": reminder.workspace_id})
        metrics.add_metric(name="TaskReminderFailed", unit="Count", value=1)
        return 0


def _event(task: Task, reminder: ReminderItem) -> ActivityItem:
    if int(reminder.minutes_before) == store.OVERDUE:
        data: dict[str, Any] = {"task": task.to_dict(), "due_at": reminder.due_at}
        return event_item(task.workspace_id, ACTOR, "task.overdue", data, contact_id=task.contact_id)
    data = {"task": task.to_dict(), "minutes_before": int(reminder.minutes_before), "fire_at": reminder.fire_at}
    return event_item(task.workspace_id, ACTOR, "task.due", data, contact_id=task.contact_id)


def _notice(task: Task, reminder: ReminderItem) -> tuple[str, str]:
    minutes = int(reminder.minutes_before)
    if minutes == store.OVERDUE:
        return "task_overdue", f"Overdue: {task.title}"
    return "task_reminder", (f"Due now: {task.title}" if minutes == 0 else
                             f"Due in {minutes_label(minutes)}: {task.title}")


def _fire(settings: Settings, reminder: ReminderItem) -> int:
    """Consume one reminder: notification and event in the transaction that deletes it. 1 if it fired."""
    item = store.get_item(reminder.workspace_id, reminder.task_id)
    task = store.to_task(item) if item is not None else None
    live = task is not None and not task.finished and task.due_at == reminder.due_at
    events: list[ActivityItem] = []
    try:
        with transaction(settings) as txn:
            txn.delete(reminder, condition=ReminderItem.fire_at == reminder.fire_at)
            if live and task is not None:
                events.append(_event(task, reminder))
                txn.save(events[0], condition=ActivityItem.PK.does_not_exist())
                if task.assignee_id:
                    kind, title = _notice(task, reminder)
                    add_to(txn, task.workspace_id, task.assignee_id, kind, title, task.description,
                           f"/tasks/{task.id}")
    except TransactWriteError as exc:
        if store.conflict_from(exc) is not None:
            return 0  # fired by another run, or moved by a reschedule meanwhile
        raise
    publish_now(settings, events)
    return len(events)
