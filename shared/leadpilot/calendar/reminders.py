"""The appointment reminder scheduler: like the task reminders (ADR 0004), minute buckets since a checkpoint.

A reminder fires once: it is deleted (condition: unchanged) before anything is sent. At fire time it is compared
with its appointment: a cancelled appointment, or one moved or changed since the reminder was written (another
version), sends nothing: a moved appointment has new reminders of its own.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError

from leadpilot.calendar import appointments, notify
from leadpilot.calendar.models import AppointmentItem, ReminderCheckpointItem, ReminderItem
from leadpilot.clock import now_iso
from leadpilot.db import checkpoints
from leadpilot.db.base import CrmModel
from leadpilot.errors import NotFound
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

FIRST_RUN_LOOKBACK = timedelta(hours=1)
SETTLE = timedelta(minutes=2)  # a bucket counts as complete this long after it ends (GSI propagation)
MAX_BUCKETS_PER_RUN = 720
_CHECKPOINT = ("SCHEDULER#CAL_REMINDERS", "CHECKPOINT")


def _bucket(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _due_in(bucket: datetime, now: datetime) -> list[ReminderItem]:
    cutoff = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [i for i in CrmModel.gsi1.query(f"CALREMINDER#{_bucket(bucket)}")
            if isinstance(i, ReminderItem) and i.fire_at <= cutoff]


def fire_due_reminders(settings: Settings, now: datetime, max_buckets: int = MAX_BUCKETS_PER_RUN) -> dict[str, Any]:
    """Fire every reminder due by `now` in the buckets since the checkpoint; returns what it did."""
    current = now.astimezone(UTC).replace(second=0, microsecond=0)
    checkpoint = checkpoints.load(ReminderCheckpointItem, _CHECKPOINT)
    bucket = checkpoint + timedelta(minutes=1) if checkpoint else current - FIRST_RUN_LOOKBACK
    complete, sent, stale, scanned = checkpoint, 0, 0, 0
    while bucket <= current and scanned < max_buckets:
        for reminder in _due_in(bucket, now):
            outcome = _fire_safely(settings, reminder)
            sent, stale = sent + (outcome == "sent"), stale + (outcome == "stale")
        if bucket <= current - SETTLE:
            complete = bucket
        bucket += timedelta(minutes=1)
        scanned += 1
    if complete is not None and complete != checkpoint:
        checkpoints.advance(ReminderCheckpointItem, _CHECKPOINT, complete, now_iso())
    if sent:
        metrics.add_metric(name="AppointmentReminderSent", unit="Count", value=sent)
    return {"sent": sent, "stale": stale, "buckets": scanned}


def _fire_safely(settings: Settings, reminder: ReminderItem) -> str:
    try:
        return _fire(settings, reminder)
    except Exception:  # one broken reminder must not hold back everyone else's
        logger.exception("appointment reminder failed", extra={"appointment_id": reminder.appointment_id,
                                                               "workspace_id": reminder.workspace_id})
        return "failed"


def _fire(settings: Settings, reminder: ReminderItem) -> str:
    """Consume the reminder, then send it if its appointment is still as it was: sent | stale | taken."""
    try:
        reminder.delete(condition=(ReminderItem.fire_at == reminder.fire_at)
                        & (ReminderItem.appointment_version == reminder.appointment_version))
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return "taken"  # fired by another run, or rewritten by a reschedule meanwhile
        raise
    try:
        item: AppointmentItem | None = appointments.get_item(reminder.workspace_id, reminder.appointment_id)
    except NotFound:
        item = None
    if item is None or item.status not in appointments.ACTIVE or int(item.version) != int(
            reminder.appointment_version):
        return "stale"
    appointment = appointments.to_dict(item)
    notify.send(settings, reminder.workspace_id, appointment, "reminder", None,
                f"reminder-{int(reminder.minutes_before)}-{appointment['version']}", channels=(reminder.channel,))
    return "sent"
