"""The reminder items of an appointment: one per offset and channel of its event type, in the time buckets the
reminder scheduler reads. Their keys do not depend on the time, so a reschedule overwrites them in place."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from leadpilot.calendar.availability import instant, iso
from leadpilot.calendar.models import AppointmentItem, ReminderItem


def fire_time(start: datetime, minutes_before: int, timezone: str) -> datetime:
    """When a reminder fires: whole days before are the same wall-clock time in the booker's zone (a day before a
    10:00 appointment is 10:00 the day before, across a DST change too); other offsets are elapsed time."""
    if minutes_before % 1440:
        return start - timedelta(minutes=minutes_before)
    zone = ZoneInfo(timezone)
    wall = start.astimezone(zone).replace(tzinfo=None) - timedelta(minutes=minutes_before)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def reminder_items(item: AppointmentItem, event_type: dict[str, Any], version: int | None = None,
                   now: datetime | None = None) -> list[ReminderItem]:
    """The appointment's reminders still ahead of `now` (all of them when `now` is None), for `version`."""
    start = instant(item.start)
    found: list[ReminderItem] = []
    for reminder in event_type.get("reminders") or []:
        fire = fire_time(start, int(reminder["minutes_before"]), item.timezone)
        if now is not None and fire <= now:
            continue
        for channel in reminder["channels"]:
            sk = f"REMINDER#{int(reminder['minutes_before']):05d}#{channel}"
            found.append(ReminderItem(f"WS#{item.workspace_id}#CAL#APPT#{item.appointment_id}", sk,
                                      workspace_id=item.workspace_id, appointment_id=item.appointment_id,
                                      minutes_before=int(reminder["minutes_before"]), channel=channel,
                                      fire_at=iso(fire), appointment_version=version or int(item.version),
                                      GSI1PK=f"CALREMINDER#{iso(fire)[:16]}",
                                      GSI1SK=f"{iso(fire)}#{item.workspace_id}#{item.appointment_id}#{sk}"))
    return found
