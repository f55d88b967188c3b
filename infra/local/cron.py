"""EventBridge schedule expressions: rate(...) and 6-field cron(...), evaluated in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# A day-of-week/day-of-month pattern repeats within 28 years (the Gregorian weekday cycle
# within a century), so searching further cannot find a match that was not found before.
_SEARCH_DAYS = 366 * 28


@dataclass(frozen=True)
class Rate:
    """A rate(...) schedule: fires every ``seconds``."""

    seconds: int


@dataclass(frozen=True)
class Cron:
    """A cron(...) schedule; ``None`` day fields mean '?' (no constraint from that field)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # Python weekday numbers: Monday=0 .. Sunday=6
    years: frozenset[int]


def parse_schedule(expression: str) -> Rate | Cron:
    """Parse an EventBridge ScheduleExpression; raise ValueError with the reason if invalid."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ValueError(f"{expression}: the rate must be a positive number")
        # EventBridge rejects "rate(1 minutes)" and "rate(5 minute)"; so do we.
        if (value == 1) == unit.endswith("s"):
            raise ValueError(f"{expression}: use the singular unit for 1, the plural otherwise")
        return Rate(value * _UNIT_SECONDS[unit.rstrip("s")])
    cron = _CRON.fullmatch(text)
    if not cron:
        raise ValueError(f"{expression}: expected rate(...) or cron(...)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"{expression}: cron needs 6 fields (min hour dom month dow year)")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"{expression}: exactly one of day-of-month and day-of-week must be '?'")
    aws_days = _field(dow, 1, 7, _DAYS) if dow != "?" else None
    return Cron(
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        days_of_month=_field(dom, 1, 31) if dom != "?" else None,
        months=_field(month, 1, 12, _MONTHS),
        # AWS numbers days 1=SUN..7=SAT; Python's weekday() is 0=MON..6=SUN.
        days_of_week=frozenset((day - 2) % 7 for day in aws_days) if aws_days else None,
        years=_field(year, 1970, 2199),
    )


def _field(text: str, low: int, high: int, names: list[str] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span in ("*", "?"):
            start, end = low, high
        elif "-" in span:
            first, last = span.split("-", 1)
            start, end = _value(first, names, low), _value(last, names, low)
        else:
            start = _value(span, names, low)
            end = high if step_text else start
        if not low <= start <= end <= high or step < 1:
            raise ValueError(f"cron field {text!r}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: list[str] | None, low: int) -> int:
    if names and text.upper() in names:
        return names.index(text.upper()) + low
    if not text.isdigit():
        raise ValueError(f"cron value {text!r} is not a number (L, W and # are not supported)")
    return int(text)


SCALED_RATE_FLOOR_S = 5.0


def next_fire(schedule: Rate | Cron, after: datetime, time_scale: float = 1.0) -> datetime | None:
    """First firing time strictly after ``after`` (UTC); rates are divided by ``time_scale``."""
    if isinstance(schedule, Rate):
        # Scaled rates still wait a few seconds: at 43,200x the seven once-a-minute-or-so sweeps (outbox,
        # reminders, reconciler...) would otherwise each run every second, a third of a core on an idle cloud.
        return after + timedelta(seconds=max(SCALED_RATE_FLOOR_S, schedule.seconds / time_scale))
    start = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.date()
    for _ in range(_SEARCH_DAYS):
        if day.year > max(schedule.years):
            return None
        if _day_matches(schedule, day):
            floor = (start.hour, start.minute) if day == start.date() else (0, 0)
            for hour in sorted(schedule.hours):
                for minute in sorted(schedule.minutes):
                    if (hour, minute) >= floor:
                        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        day += timedelta(days=1)
    return None


def _day_matches(schedule: Cron, day: date) -> bool:
    if day.year not in schedule.years or day.month not in schedule.months:
        return False
    if schedule.days_of_month is not None:
        return day.day in schedule.days_of_month
    return schedule.days_of_week is None or day.weekday() in schedule.days_of_week
