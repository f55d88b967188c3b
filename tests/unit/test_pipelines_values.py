"""Deal values, currencies, dates, aging and counter keys: pure functions, no AWS."""
from __future__ import annotations

from decimal import Decimal

import pytest

from leadpilot.errors import ValidationFailed
from leadpilot.pipelines.entities import Deal, money, seconds_between
from leadpilot.pipelines.moves import _counter_keys
from leadpilot.pipelines.store import decode_cursor, encode_cursor
from leadpilot.pipelines.values import parse_currency, parse_date, parse_value

ULID = "01M80A45J90JMESM0AR82N1PFF"


@pytest.mark.parametrize(("raw", "expected"), [
    (0, "0"), (100, "100"), ("1250.50", "1250.5"), (49.5, "49.5"), (" 7.0001 ", "7.0001"), ("1.50000", "1.5"),
    (0.1, "0.1"), ("999999999999999.9999", "999999999999999.9999")])
def test_values_are_exact_decimals(raw: object, expected: str) -> None:
    # Given a JSON number or decimal string / When parsed / Then the value is exact and printed plainly
    assert money(parse_value(raw)) == expected


@pytest.mark.parametrize("raw", [-1, "-0.5", "1e3", "abc", True, None, [], 1e15, "1.00001", float("nan"), "Infinity"])
def test_bad_values_name_the_field(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_value(raw)
    assert caught.value.details["errors"][0]["field"] == "value"


def test_currency_must_be_iso_4217_and_is_uppercased() -> None:
    assert parse_currency("eur") == "EUR"
    for bad in ("XYZ", "EURO", "US"):
        with pytest.raises(ValidationFailed):
            parse_currency(bad)


def test_dates_are_calendar_dates() -> None:
    assert parse_date("2026-12-31", "d") == "2026-12-31" and parse_date(None, "d") is None
    for bad in ("2026-02-30", "20261231", "2026-12-31T00:00:00"):
        with pytest.raises(ValidationFailed):
            parse_date(bad, "expected_close_date")


def _deal(**kw: object) -> Deal:
    base: dict[str, object] = dict(
        id=ULID, workspace_id="W", pipeline_id="P", stage_id="S", contact_id="C", name="n", value=Decimal("200"),
        currency="USD", probability=25, expected_close_date="2027-01-31", owner_id=None, status="open",
        lost_reason=None, stage_entered_at="2026-01-01T00:00:00.000Z", visit_id="V", closed_at=None,
        created_at="2026-01-01T00:00:00.000Z", updated_at="2026-01-01T00:00:00.000Z", version=1)
    return Deal(**{**base, **kw})  # type: ignore[arg-type]


def test_weighted_value_and_aging() -> None:
    deal = _deal()
    assert deal.weighted == Decimal(50)
    view = deal.view("2026-01-04T12:00:00.000Z")
    assert (view["weighted_value"], view["days_in_stage"], view["value"]) == ("50", 3, "200")
    assert seconds_between("2026-01-01T00:00:00.000Z", "2026-01-01T00:01:01.500Z") == 61


def test_counters_a_deal_counts_in() -> None:
    # Given an open deal with a close date, a won deal, and a lost deal
    # Then the open one counts in its column and its close month, the won one in the month it was won
    assert _counter_keys(_deal()) == ["!STATS#STAGE#S#open#USD", "!STATS#FORECAST#2027-01#open#USD"]
    assert _counter_keys(_deal(status="won", closed_at="2026-05-02T00:00:00.000Z")) == [
        "!STATS#STAGE#S#won#USD", "!STATS#FORECAST#2026-05#won#USD"]
    assert _counter_keys(_deal(status="lost", lost_reason="x")) == ["!STATS#STAGE#S#lost#USD"]
    assert _counter_keys(_deal(expected_close_date=None))[1] == "!STATS#FORECAST#none#open#USD"


def test_cursors_carry_only_a_sort_key_of_the_expected_shape() -> None:
    key = f"STAGE#{ULID}#open#{ULID}"
    assert decode_cursor(encode_cursor(key), "STAGE#") == key
    for bad in (encode_cursor(f"DEAL#{ULID}"), encode_cursor("WS#x#DEALS"), "!!", encode_cursor(f"STAGE#{ULID}#x#1")):
        with pytest.raises(ValidationFailed):
            decode_cursor(bad, "STAGE#")
