"""Schedule triggers fire on the workspace's wall clock, across daylight-saving changes."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadpilot.automation.flows.cron import check, next_fire
from leadpilot.errors import ValidationFailed


def test_nine_am_new_york_is_13_utc_in_summer_and_14_utc_in_winter() -> None:
    summer = next_fire("0 9 * * *", "America/New_York", datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    winter = next_fire("0 9 * * *", "America/New_York", datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert (summer, winter) == (datetime(2026, 7, 1, 13, 0, tzinfo=UTC), datetime(2026, 12, 1, 14, 0, tzinfo=UTC))


def test_the_day_clocks_go_back_still_fires_once_at_nine_local() -> None:
    # 2026-11-01 is the end of DST in New York: 09:00 EST is 14:00 UTC
    after = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    assert next_fire("0 9 * * *", "America/New_York", after) == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)


def test_weekday_mornings_skip_the_weekend() -> None:
    friday_noon = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Friday 12:00 in New York
    assert next_fire("0 9 * * 1-5", "America/New_York", friday_noon) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(("cron", "zone", "field"), [
    (None, None, "trigger.schedule"), ("0 9 * *", None, "trigger.schedule"), ("0 25 * * *", None, "trigger.schedule"),
    ("0 9 * * *", "Nowhere/Town", "trigger.timezone")])
def test_bad_schedules_name_the_field(cron: str | None, zone: str | None, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check(cron, zone)
    assert caught.value.details["errors"][0]["field"] == field
