"""Task time rules without AWS: zones, DST, reminder offsets, RRULE validation and next occurrences."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.tasks.timing import (
    iso,
    minute_bucket,
    minutes_label,
    next_occurrence,
    parse_datetime,
    recurrence_rule,
    reminder_minutes,
    zone,
)

NY = zone("America/New_York")
PAST = datetime(2000, 1, 1, tzinfo=UTC)


def _field(exc: pytest.ExceptionInfo[ValidationFailed]) -> str:
    return str(exc.value.details["errors"][0]["field"])


def test_wall_time_is_read_in_the_zone_and_offsets_win() -> None:
    # Given New York in winter and summer; When parsed; Then UTC instants
    assert iso(parse_datetime("2030-01-15T09:00", NY, "due_at")) == "2030-01-15T14:00:00Z"
    assert iso(parse_datetime("2030-07-15T09:00", NY, "due_at")) == "2030-07-15T13:00:00Z"
    assert iso(parse_datetime("2030-07-15T09:00:00.123+02:00", NY, "due_at")) == "2030-07-15T07:00:00Z"


@pytest.mark.parametrize("value", ["2030-03-10T02:30", "tomorrow", "", "1800-01-01T00:00"])
def test_times_that_do_not_exist_or_do_not_parse_are_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_datetime(value, NY, "due_at")
    assert _field(exc) == "due_at"


def test_an_ambiguous_time_takes_the_first_occurrence() -> None:
    # 01:30 happens twice when DST ends (3 November 2030): the earlier one, still EDT, is meant
    assert iso(parse_datetime("2030-11-03T01:30", NY, "due_at")) == "2030-11-03T05:30:00Z"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "America/New_York ", "\x00"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        zone(name)
    assert _field(exc) == "timezone"


def test_reminder_offsets_accept_minutes_and_iso_durations() -> None:
    assert reminder_minutes(["P1D", "PT1H", 15, "pt15m", "P1W", "PT1H30M", 0]) == [10080, 1440, 90, 60, 15, 0]


@pytest.mark.parametrize("value", ["P", "PT", "P1DT", "P1M", "soon", -1, 2.5, 86401 * 60, "P61D"])
def test_bad_reminder_offsets_name_their_index(value: object) -> None:
    with pytest.raises(ValidationFailed) as exc:
        reminder_minutes([5, value])  # type: ignore[list-item]
    assert _field(exc) == "reminders/1"


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=SECONDLY", "garbage", "FREQ=DAILY;INTERVAL=0",
                                  "FREQ=DAILY;BYMONTHDAY=30", "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
                                  "FREQ=DAILY;UNTIL=20200101T000000Z", "FREQ=DAILY;UNTIL=20300101T000000",
                                  "DTSTART:20300101T090000\nRRULE:FREQ=DAILY", "FREQ=DAILY;FOO=1",
                                  "FREQ=DAILY;COUNT=0"])
def test_invalid_or_never_occurring_rules_name_recurrence(rule: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        recurrence_rule(rule, datetime(2030, 1, 1, 9, tzinfo=NY))
    assert _field(exc) == "recurrence"


def test_weekday_9am_stays_9am_across_both_dst_changes() -> None:
    # Given every weekday at 09:00 New York from Friday 8 March 2030
    rule, start = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2030-03-08T14:00:00Z"
    # When the next occurrence after that Friday is computed; Then Monday 09:00 EDT (13:00 UTC)
    assert next_occurrence(rule, start, start, "America/New_York", PAST) == "2030-03-11T13:00:00Z"
    # And in November, after DST ends, 09:00 EST is 14:00 UTC again
    assert next_occurrence(rule, start, "2030-11-01T13:00:00Z", "America/New_York", PAST) == "2030-11-04T14:00:00Z"


def test_a_late_completion_skips_to_the_first_occurrence_after_now() -> None:
    now = datetime(2030, 1, 10, 12, tzinfo=UTC)
    assert next_occurrence("FREQ=DAILY", "2030-01-01T09:00:00Z", "2030-01-01T09:00:00Z", "UTC", now) == \
        "2030-01-11T09:00:00Z"


def test_monthly_on_the_31st_and_count_limits() -> None:
    start = "2030-01-31T09:00:00Z"
    assert next_occurrence("FREQ=MONTHLY;BYMONTHDAY=-1", start, start, "UTC", PAST) == "2030-02-28T09:00:00Z"
    assert next_occurrence("FREQ=DAILY;COUNT=2", start, "2030-02-01T09:00:00Z", "UTC", PAST) is None


def test_buckets_and_labels() -> None:
    assert minute_bucket(datetime(2030, 1, 1, 9, 5, 59, tzinfo=UTC)) == "2030-01-01T09:05"
    assert [minutes_label(m) for m in (1440, 2880, 60, 90, 1, 0)] == \
        ["1 day", "2 days", "1 hour", "90 minutes", "1 minute", "now"]
