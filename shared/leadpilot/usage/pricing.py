"""What one unit of each metered product costs the platform, and what a workspace is billed for it.

Money is kept in integer micro-dollars (millionths of a US dollar) so sums over millions of ledger entries
are exact. A workspace is billed at cost unless a markup (a percentage per product, set by the agency that
owns it) says otherwise; the billed amount of a sum is rounded half-up once, at the end.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from leadpilot.clock import now_iso
from leadpilot.errors import ValidationFailed
from leadpilot.usage.models import BillingMarkupItem

PRODUCTS = ("sms_segments", "emails", "voice_minutes", "ai_tokens")

# Our cost of one unit, in micro-dollars per unit (Twilio US SMS segment and voice minute, SES email,
# a small chat model's blended price per 1,000 tokens expressed per token, rounded up to 1 µ$).
UNIT_COST_MICROS: dict[str, int] = {"sms_segments": 7_900, "emails": 100, "voice_minutes": 14_000, "ai_tokens": 1}

MAX_MARKUP_PERCENT = Decimal(1000)
MARKUP_SK = "MARKUP"


def billing_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#BILLING"


def cost_micros(product: str, quantity: int) -> int:
    """Our cost of `quantity` units of one product."""
    return UNIT_COST_MICROS[product] * quantity


def billed_micros(cost: int, percent: Decimal) -> int:
    """The billed amount of a cost under a markup percentage, rounded half-up to the micro-dollar."""
    return int((Decimal(cost) * (Decimal(100) + percent) / Decimal(100)).to_integral_value(ROUND_HALF_UP))


def markups(workspace_id: str) -> dict[str, Decimal]:
    """Every product's markup percentage for one workspace (0: billed at cost)."""
    try:
        item = BillingMarkupItem.get(billing_pk(workspace_id), MARKUP_SK, consistent_read=True)
        stored = item.percents.as_dict() if hasattr(item.percents, "as_dict") else dict(item.percents or {})
    except BillingMarkupItem.DoesNotExist:
        stored = {}
    return {product: Decimal(str(stored.get(product, "0"))) for product in PRODUCTS}


def _percent(product: str, value: Any) -> Decimal:
    field = f"markups/{product}"
    if product not in PRODUCTS:
        raise ValidationFailed.field(field, f"unknown product; one of {', '.join(PRODUCTS)}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValidationFailed.field(field, "must be a percentage (a number, 0 = at cost)")
    try:
        percent = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed.field(field, "must be a percentage (a number, 0 = at cost)") from exc
    if not percent.is_finite() or percent < 0 or percent > MAX_MARKUP_PERCENT:
        raise ValidationFailed.field(field, f"must be between 0 and {MAX_MARKUP_PERCENT}")
    return percent.quantize(Decimal("0.01"), ROUND_HALF_UP)


def set_markups(workspace_id: str, changes: dict[str, Any], actor: str) -> dict[str, Decimal]:
    """Change some products' markups (the others keep theirs); returns every product's markup."""
    current = markups(workspace_id)
    for product, value in changes.items():
        current[product] = _percent(product, value)
    BillingMarkupItem(billing_pk(workspace_id), MARKUP_SK,
                      percents={product: str(percent) for product, percent in current.items()},
                      updated_at=now_iso(), updated_by=actor).save()
    return current
