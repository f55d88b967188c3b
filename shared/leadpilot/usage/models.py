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


class LedgerEntryItem(CrmModel, discriminator="usage_ledger_entry"):
    """PK: WS#<ws>#LEDGER#<yyyy-mm>  SK: E#<usage time, ISO ms>#<entry id>. One charge (or refund: a negative
    quantity), never updated or deleted. Its month partition also holds the month's rollups (ROLLUP#...), so a
    month of one workspace is one Query. `usage_at` is the usage's time (a refund's is its charge's, so the two
    land on the same day and month as the counters they move); `recorded_at` is when it was written."""

    entry_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    product = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_cost_micros = NumberAttribute()
    cost_micros = NumberAttribute()
    markup_percent = UnicodeAttribute()  # the markup in force when charged (decimal string)
    billed_e4 = NumberAttribute()  # cost x (10,000 + markup in hundredths of a percent): exact, summable
    usage_at = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    idempotency_key = UnicodeAttribute()
    cause_type = UnicodeAttribute(null=True)
    cause_id = UnicodeAttribute(null=True)


class LedgerKeyItem(CrmModel, discriminator="usage_ledger_key"):
    """PK: WS#<ws>#LEDGER_KEY#<idempotency key>  SK: KEY. Written with a does-not-exist condition in the charge's
    transaction: a second charge with the same key cancels the whole transaction (counters and ledger alike).
    Points at its entry; kept as long as the ledger."""

    entry_sk = UnicodeAttribute()
    month = UnicodeAttribute()
    usage_at = UnicodeAttribute()
    quantity = NumberAttribute()
    product = UnicodeAttribute()
    markup_percent = UnicodeAttribute(null=True)


class UsageRollupItem(CrmModel, discriminator="usage_rollup"):
    """PK: WS#<ws>#LEDGER#<yyyy-mm>  SK: ROLLUP#M#<product> (the month) or ROLLUP#D#<dd>#<product> (a day).
    Sums of the month's ledger entries, moved by ADD in each entry's transaction.
    GSI1: USAGE#<yyyy-mm>#<shard 0-7> / M#<ws>#<product> or D#<dd>#<ws>#<product>: the platform's reports read
    every workspace's rollups of a month from 8 index partitions (the shard spreads the month's writes)."""

    workspace_id = UnicodeAttribute()
    product = UnicodeAttribute()
    period = UnicodeAttribute()  # yyyy-mm or yyyy-mm-dd
    quantity = NumberAttribute(default=0)
    cost_micros = NumberAttribute(default=0)
    billed_e4 = NumberAttribute(default=0)
    entries = NumberAttribute(default=0)


class UsageReportItem(CrmModel, discriminator="usage_report"):
    """PK: PLATFORM#USAGE_REPORTS  SK: MONTHLY#<yyyy-mm> or RECONCILIATION#<yyyy-mm-dd>. A platform-wide report
    (not a tenant's data): its summary as JSON; a monthly report's CSV is in the files bucket under `csv_key`."""

    report = UnicodeAttribute()
    csv_key = UnicodeAttribute(null=True)
    generated_at = UnicodeAttribute()
