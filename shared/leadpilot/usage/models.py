"""CRM-table items of usage metering."""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class UsageCounterItem(CrmModel, discriminator="usage_counter"):
    """PK: WS#<ws>#USAGE  SK: <kind>#DAY#<yyyy-mm-dd> or <kind>#MONTH#<yyyy-mm> (UTC). `used` only ever
    changes by an atomic ADD under a condition; day counters expire (TTL) after 90 days."""

    used = NumberAttribute(default=0)


class UsageLimitsItem(CrmModel, discriminator="usage_limits"):
    """PK: WS#<ws>#USAGE  SK: LIMITS. The workspace's plan, overrides of its limits and monthly add-ons.

    limits: {kind: {"day": n | None, "month": n | None}}; addons: {kind: n} (extra monthly allowance).
    """

    plan = UnicodeAttribute(default="starter")
    limits = MapAttribute(default=dict)  # type: ignore[var-annotated]
    addons = MapAttribute(default=dict)  # type: ignore[var-annotated]
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)


class BillingMarkupItem(CrmModel, discriminator="billing_markup"):
    """PK: WS#<ws>#BILLING  SK: MARKUP. The markup percentage per product (decimal strings) that the
    workspace's reports bill on top of cost; a product not listed is billed at cost."""

    percents = MapAttribute(default=dict)  # type: ignore[var-annotated]
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
