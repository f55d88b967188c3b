"""Schedule triggers' cron and timezone: checked when a flow is saved, and the next firing after an instant.

Part of the flow document (validation needs it); `automation.triggers.schedules` arms and fires schedules.
"""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadpilot.errors import ValidationFailed


def check(cron: str | None, timezone: str | None, where: str = "trigger") -> None:
    """Validate a schedule trigger's cron (5 fields, minute resolution) and timezone, naming the field."""
    from croniter import croniter

    if not cron:
        raise ValidationFailed.field(f"{where}.schedule", "a schedule trigger needs a cron expression, "
                                                          "e.g. '0 9 * * 1-5' (09:00 on weekdays)")
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise ValidationFailed.field(f"{where}.schedule", f"{cron!r} is not a 5-field cron expression "
                                                          "(minute hour day-of-month month day-of-week)")
    if timezone:
        _zone(timezone, where)


def _zone(name: str, where: str = "trigger") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.field(f"{where}.timezone", f"{name!r} is not an IANA timezone") from exc


def next_fire(cron: str, timezone: str, after: datetime) -> datetime:
    """The first firing strictly after `after`, computed on the local wall clock (DST-aware), in UTC."""
    from croniter import croniter

    local = after.astimezone(_zone(timezone))
    return croniter(cron, local).get_next(datetime).astimezone(UTC)
