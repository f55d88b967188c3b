"""A board card read raw (the board's path) gives the same Deal as pynamodb's model."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.pipelines import store
from leadpilot.pipelines.entities import Deal
from leadpilot.pipelines.models import DealCardItem

_maybe = st.none() | st.text(min_size=1, max_size=10)


@settings(max_examples=40, deadline=None)
@given(value=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
       probability=st.integers(0, 100), close=_maybe, owner=_maybe, lost=_maybe, closed=_maybe,
       status=st.sampled_from(["open", "won", "lost"]), version=st.integers(1, 99))
def test_the_board_reads_a_card_as_the_model_does(value: Decimal, probability: int, close: str | None,
                                                   owner: str | None, lost: str | None, closed: str | None,
                                                   status: str, version: int) -> None:
    # Given a deal's card as saved, optional fields set or not
    deal = Deal(id="01HZY3K9Q0W6T2B8V4N7M5R1XC", workspace_id="ws1", pipeline_id="p1", stage_id="s1",
                contact_id="c1", name="Deal", value=value, currency="USD", probability=probability,
                expected_close_date=close, owner_id=owner, status=status, lost_reason=lost,
                stage_entered_at="2026-01-01T00:00:00Z", visit_id="v1", closed_at=closed,
                created_at="2026-01-01T00:00:00Z", updated_at="2026-01-02T00:00:00Z", version=version)
    raw = store.card_item(deal).serialize()
    # When it is read raw and through the model
    fast, model = store.deal_from_raw(raw), store.to_deal(DealCardItem.from_raw_data(raw))
    # Then both give the same deal, its value exact
    assert fast == model == deal
