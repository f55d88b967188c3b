"""Money arithmetic of usage reports: exact integer micro-dollars, one rounding at the end."""
from decimal import Decimal

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.usage.pricing import _percent, billed_micros, cost_micros


def test_cost_is_unit_cost_times_quantity_in_micro_dollars() -> None:
    # Given 3 SMS segments at 7,900 µ$ each / When costed / Then the sum is exact
    assert cost_micros("sms_segments", 3) == 23_700


@pytest.mark.parametrize(("cost", "percent", "billed"), [
    (23_700, Decimal(0), 23_700),          # at cost
    (23_700, Decimal(50), 35_550),         # +50 %
    (1, Decimal("50"), 2),                 # 1.5 µ$ rounds half-up
    (3, Decimal("33.33"), 4),              # 3.9999 µ$ rounds to 4
])
def test_billed_amount_applies_the_markup_and_rounds_half_up(cost: int, percent: Decimal, billed: int) -> None:
    assert billed_micros(cost, percent) == billed


@pytest.mark.parametrize(("product", "value"), [
    ("sms_segments", -1), ("sms_segments", "NaN"), ("sms_segments", True), ("sms_segments", "abc"),
    ("sms_segments", 1001), ("faxes", 10),
])
def test_a_bad_markup_is_refused_naming_the_product(product: str, value: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _percent(product, value)
    assert f"markups/{product}" in str(refused.value.details)


def test_a_markup_is_kept_to_the_hundredth_of_a_percent() -> None:
    assert _percent("emails", "12.345") == Decimal("12.35")
