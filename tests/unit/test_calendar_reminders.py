"""When appointment reminders fire: whole days keep the booker's wall clock across DST, other offsets elapse."""
from __future__ import annotations

from datetime import UTC, datetime

from leadpilot.calendar.reminder_items import fire_time


def test_a_day_before_keeps_the_wall_clock_across_a_dst_change_and_an_hour_before_is_elapsed_time() -> None:
    # Given a 10:00 appointment in Paris on Sunday 28 March 2027, hours after clocks went forward
    start = datetime(2027, 3, 28, 8, tzinfo=UTC)  # 10:00 CEST
    # When the reminders' times are computed
    day_before = fire_time(start, 1440, "Europe/Paris")
    hour_before = fire_time(start, 60, "Europe/Paris")
    two_days = fire_time(start, 2880, "Australia/Lord_Howe")
    # Then a day before is 10:00 CET on Saturday (23 hours earlier), an hour before is 09:00 CEST
    assert day_before == datetime(2027, 3, 27, 9, tzinfo=UTC)
    assert hour_before == datetime(2027, 3, 28, 7, tzinfo=UTC)
    # And in Lord Howe (no change that weekend) two days are 48 hours
    assert two_days == datetime(2027, 3, 26, 8, tzinfo=UTC)
