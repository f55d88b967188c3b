"""The agency rollups' month parameter and money: a month is YYYY-MM and never in the future; billed amounts are
rounded once per product and summed exactly."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from leadpilot.agency.rollups import _money, check_month
from leadpilot.errors import ValidationFailed

NEW_YEAR = datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_a_month_is_this_month_by_default_and_any_past_month_is_accepted() -> None:
    # Given the first second of 2027, When no month or a past one is asked for, Then that month is used
    assert check_month(None, NEW_YEAR) == "2027-01"
    assert check_month("2026-12", NEW_YEAR) == "2026-12" and check_month("2027-01", NEW_YEAR) == "2027-01"


@pytest.mark.parametrize("bad", ["2027-02", "2027-1", "27-01", "2026-00", "2026-13", "1999-12", "2026-12-01", ""])
def test_a_malformed_or_future_month_is_refused_naming_it(bad: str) -> None:
    # When a malformed or future month is asked for, Then the 422 names `month`
    with pytest.raises(ValidationFailed) as refused:
        check_month(bad, NEW_YEAR)
    assert refused.value.details["errors"][0]["field"] == "month"


def test_billed_amounts_round_half_up_per_product_and_total_exactly() -> None:
    # Given 3 segments, 1 email, 0 minutes and 7 tokens, marked up 33.33%, 50%, 0% and 12.5%
    usage = {"sms_segments": 3, "emails": 1, "voice_minutes": 0, "ai_tokens": 7}
    markups = {"sms_segments": Decimal("33.33"), "emails": Decimal(50), "voice_minutes": Decimal(0),
               "ai_tokens": Decimal("12.5")}
    # When the money is worked out
    cost, billed = _money(usage, markups)
    # Then cost is unit cost times quantity, billed is rounded half-up per product, and totals are plain sums
    assert cost == {"sms_segments": 23_700, "emails": 100, "voice_minutes": 0, "ai_tokens": 7, "total": 23_807}
    assert billed == {"sms_segments": 31_599, "emails": 150, "voice_minutes": 0, "ai_tokens": 8, "total": 31_757}
