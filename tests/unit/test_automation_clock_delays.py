"""When a clock delay ends (waits.wait_target): dates, fields, time of day, weekdays, business hours, zones."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leadpilot.automation.steps.waits import WaitError, matches, wait_target

NY = ZoneInfo("America/New_York")
# Wednesday 2026-11-18 15:30 UTC = 10:30 in New York
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)


def local(config: dict[str, Any], zone: ZoneInfo = NY, **fields: Any) -> datetime:
    return wait_target(config, NOW, zone, lambda path: fields.get(path)).astimezone(zone)


def test_time_of_day_later_today_or_tomorrow() -> None:
    assert local({"time_of_day": "17:00"}) == datetime(2026, 11, 18, 17, 0, tzinfo=NY)
    assert local({"time_of_day": "09:00"}) == datetime(2026, 11, 19, 9, 0, tzinfo=NY)


def test_a_duration_then_a_time_of_day() -> None:
    assert local({"days": 2, "time_of_day": "08:15"}) == datetime(2026, 11, 21, 8, 15, tzinfo=NY)


def test_only_on_chosen_weekdays() -> None:
    # Wednesday: the next Monday at 09:00
    assert local({"weekdays": ["mon"], "time_of_day": "09:00"}) == datetime(2026, 11, 23, 9, 0, tzinfo=NY)
    # already an allowed day: now
    assert local({"weekdays": ["wed"]}) == NOW.astimezone(NY)


def test_between_hours_moves_to_the_window_start() -> None:
    assert local({"between_hours": {"from": 9, "to": 17}}) == NOW.astimezone(NY)  # 10:30 is inside
    assert local({"hours": 8, "between_hours": {"from": 9, "to": 17}}) == datetime(2026, 11, 19, 9, 0, tzinfo=NY)
    assert local({"between_hours": {"from": 12, "to": 13}}) == datetime(2026, 11, 18, 12, 0, tzinfo=NY)


def test_business_hours_on_weekdays_skip_the_weekend() -> None:
    # Friday 18:00 + nothing -> Monday 09:00
    friday = {"days": 2, "hours": 7, "weekdays": ["mon", "tue", "wed", "thu", "fri"],
              "between_hours": {"from": 9, "to": 17}}
    assert local(friday) == datetime(2026, 11, 23, 9, 0, tzinfo=NY)


def test_until_a_date_field_with_offset_and_before() -> None:
    starts = "2026-12-01T15:00:00Z"
    assert local({"until": {"field": "trigger.data.starts_at", "before": {"days": 1}}},
                 **{"trigger.data.starts_at": starts}) == datetime(2026, 11, 30, 10, 0, tzinfo=NY)
    assert local({"until": {"field": "vars.d", "offset": {"hours": 2}}},
                 **{"vars.d": "2026-12-01"}) == datetime(2026, 12, 1, 2, 0, tzinfo=NY)  # a date: midnight local


def test_a_past_date_ends_now() -> None:
    assert wait_target({"until": {"date": "2001-01-01T00:00:00Z"}}, NOW, NY) == NOW


def test_daylight_saving_keeps_the_wall_clock() -> None:
    # 2026-11-01 is the end of DST in New York: 09:00 the next day is still 09:00 local (14:00 UTC)
    before = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 10:00 EDT
    target = wait_target({"time_of_day": "09:00"}, before, NY)
    assert target == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "not a date", 42])
def test_a_missing_or_bad_field_is_an_error(value: Any) -> None:
    with pytest.raises(WaitError):
        wait_target({"until": {"field": "vars.x"}}, NOW, NY, lambda path: value)


def test_event_match_reads_paths_of_the_event() -> None:
    event = {"type": "contact.tag_added", "data": {"tag": "paid", "n": 2}}
    assert matches({"data.tag": "paid"}, event) and matches({"event.data.n": 2, "trigger.data.tag": "paid"}, event)
    assert not matches({"data.tag": "other"}, event) and matches({}, event)
