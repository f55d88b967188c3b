"""The ledger's exact billed amounts and the report ranges' rules, without AWS."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.errors import ValidationFailed
from leadpilot.usage import ledger, monthly, pricing, reports


@settings(max_examples=60, deadline=None)
@given(costs=st.lists(st.integers(min_value=-50_000, max_value=5_000_000), min_size=1, max_size=30),
       cents=st.integers(min_value=0, max_value=100_000))
def test_summed_entries_bill_as_one_rounding_of_their_summed_cost(costs: list[int], cents: int) -> None:
    # Given entries (refunds negative) charged under one markup with two decimals
    markup = Decimal(cents) / 100
    # When their exact billed amounts are summed and rounded once
    billed = ledger.billed_micros(sum(ledger.billed_e4(cost, markup) for cost in costs))
    # Then it is the pricing rule applied to their summed cost, whatever the order or the refunds
    assert billed == pricing.billed_micros(sum(costs), markup)


def test_a_repeat_key_and_cause_are_checked() -> None:
    assert ledger.check_key(None).startswith("auto:") and ledger.check_key("sms:1") == "sms:1"
    assert ledger.check_cause({"type": "call", "id": "c1"}) == {"type": "call", "id": "c1"}
    for cause, field in (({"type": "fax", "id": "x"}, "cause/type"), ({"type": "run", "id": ""}, "cause/id")):
        with pytest.raises(ValidationFailed) as refused:
            ledger.check_cause(cause)
        assert refused.value.details["errors"][0]["field"] == field
    with pytest.raises(ValidationFailed):
        ledger.check_key("k" * 201)


def test_report_ranges_default_to_this_month_by_day_and_the_last_year_by_month() -> None:
    today = date(2026, 12, 6)
    by_day = reports.report_range(None, None, None, today)
    by_month = reports.report_range(None, None, "month", today)
    assert (by_day.first, by_day.last, by_day.months()) == (date(2026, 12, 1), today, ["2026-12"])
    assert by_month.months()[0] == "2026-01" and by_month.months()[-1] == "2026-12" and len(by_month.months()) == 12
    # and any old range of up to ten years is allowed
    assert len(reports.report_range("2010-01", "2019-12", "month", today).months()) == 120


def test_a_monthly_report_is_for_a_finished_month_only() -> None:
    today = date(2026, 12, 6)
    assert monthly.past_month("2026-11", today) == "2026-11" and monthly.last_month(date(2027, 1, 1)) == "2026-12"
    for bad in ("2026-12", "2027-01", "2026-1", "November", None):
        with pytest.raises(ValidationFailed) as refused:
            monthly.past_month(bad, today)
        assert refused.value.details["errors"][0]["field"] == "month"
