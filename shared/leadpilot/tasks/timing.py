"""Time for tasks: zones, due instants, reminder offsets, RRULE recurrence and minute buckets."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from leadpilot.errors import ValidationFailed

MAX_REMINDER_MINUTES = 60 * 24 * 60  # 60 days
_DURATION = re.compile(r"^P(?:(\d{1,4})W)?(?:(\d{1,4})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?)?$")
_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_DAY_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTH", "BYHOUR", "BYMINUTE"}
_ALL_PARTS = _DAY_PARTS | {"BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"}


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """An IANA zone, else a 422 naming the field."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValidationFailed.field(field, "is not an IANA time zone (e.g. America/New_York)") from exc


def iso(instant: datetime) -> str:
    """A UTC instant as 'YYYY-MM-DDTHH:MM:SSZ' (fixed width, so strings sort as times)."""
    return instant.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(value: str) -> datetime:
    """Parse a stored UTC instant."""
    return datetime.fromisoformat(value)


def parse_datetime(value: str, tz: ZoneInfo, field: str) -> datetime:
    """ISO 8601 date-time to a UTC instant; without an offset it is wall time in `tz`, which must exist
    there (a time skipped by a DST change is refused)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError) as exc:
        raise ValidationFailed.field(field, "must be an ISO 8601 date-time, e.g. 2026-03-10T09:00") from exc
    if not 1970 <= parsed.year <= 9000:
        raise ValidationFailed.field(field, "must be a year from 1970 to 9000")
    if parsed.tzinfo is None:
        local = parsed.replace(tzinfo=tz)
        if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != parsed:
            raise ValidationFailed.field(field, f"does not exist in {tz.key} (skipped by a daylight-saving change)")
        parsed = local
    return parsed.astimezone(UTC).replace(microsecond=0)


def reminder_minutes(values: list[int | float | str], field: str = "reminders") -> list[int]:
    """Offsets before due, as minutes (ints) or ISO 8601 durations (P1D, PT1H, PT15M, P1W); sorted, unique."""
    out: set[int] = set()
    for index, value in enumerate(values):
        if isinstance(value, int | float):
            minutes = int(value) if float(value).is_integer() and abs(value) < 2**31 else None
        else:
            minutes = _duration_minutes(value)
        if minutes is None or not 0 <= minutes <= MAX_REMINDER_MINUTES:
            raise ValidationFailed.field(f"{field}/{index}", "must be minutes or an ISO 8601 duration (P1D, PT1H) "
                                                            "of at most 60 days")
        out.add(minutes)
    return sorted(out, reverse=True)


def _duration_minutes(value: str) -> int | None:
    match = _DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT") or value.strip().upper().endswith("T"):
        return None
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    return ((weeks * 7 + days) * 24 + hours) * 60 + minutes


def recurrence_rule(text: str, dtstart: datetime) -> rrule:
    """An RFC 5545 RRULE (optionally prefixed 'RRULE:') anchored at an aware local dtstart; 422 naming
    'recurrence' when invalid or when it never occurs."""
    body = text.strip()
    body = body[6:] if body.upper().startswith("RRULE:") else body
    parts = dict(p.split("=", 1) for p in body.upper().split(";") if "=" in p)
    freq = parts.get("FREQ")
    if not body or "\n" in body or ":" in body or freq not in _FREQS:
        raise ValidationFailed.field("recurrence", "must be an RRULE with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, "
                                                   "e.g. FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    extra = set(parts) - (_DAY_PARTS if freq in ("DAILY", "WEEKLY") else _ALL_PARTS)
    if extra:
        # Day filters such as BYMONTHDAY can make a daily rule impossible, and dateutil would then walk
        # every day up to the year 9999 (seconds of CPU) before saying so.
        raise ValidationFailed.field("recurrence", f"{', '.join(sorted(extra))} is not supported with FREQ={freq}")
    interval = parts.get("INTERVAL", "1")
    if not re.fullmatch(r"[0-9]{1,4}", interval) or not 1 <= int(interval) <= 1000:  # isdigit() takes "²"
        raise ValidationFailed.field("recurrence", "INTERVAL must be an integer from 1 to 1000")
    try:
        rule = rrulestr(body, dtstart=dtstart)
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
        raise ValidationFailed.field("recurrence", f"is not a valid RRULE: {exc}") from exc
    if not isinstance(rule, rrule):
        raise ValidationFailed.field("recurrence", "must be a single RRULE")
    if rule.after(dtstart - timedelta(seconds=1), inc=False) is None:
        raise ValidationFailed.field("recurrence", "never occurs")
    return rule


def next_occurrence(recurrence: str, series_start: str, due_at: str, tz_name: str, now: datetime) -> str | None:
    """The next due instant after the later of the current due and now, computed on the wall clock of
    the task's zone (so 09:00 stays 09:00 across DST); None when the series has ended."""
    tz = ZoneInfo(tz_name)
    rule = recurrence_rule(recurrence, instant(series_start).astimezone(tz))
    after = max(instant(due_at), now).astimezone(tz)
    following = rule.after(after, inc=False)
    return iso(following) if following is not None else None


def minute_bucket(moment: datetime) -> str:
    """The minute a moment falls in, 'YYYY-MM-DDTHH:MM' (UTC): the reminder index's partition."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def minutes_label(minutes: int) -> str:
    """'1 day', '2 hours', '15 minutes' for a reminder's offset."""
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0 and minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "now"


def shift(moment: str, minutes: int) -> str:
    """A stored instant moved by minutes."""
    return iso(instant(moment) + timedelta(minutes=minutes))
