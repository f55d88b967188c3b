"""What an agency sees of its sub-accounts for one month: activity, usage, our cost and the billed amount; and
the rebilling markups it sets per sub-account.

A sub-account's rollup is one BatchGetItem of counters that already exist (the usage meter's month counters,
the contact-count projection, the monthly activity counters) plus its markups: no scan, whatever its volume.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from leadpilot.agency.accounts import require_agency, sub_account_item, sub_accounts_pk
from leadpilot.agency.activity import METRICS, activity_pk, counter_sk
from leadpilot.agency.models import SubAccountItem
from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.db.base import CrmModel
from leadpilot.db.crm_models import ContactStatsItem
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.usage import meter, pricing
from leadpilot.usage.models import UsageCounterItem
from leadpilot.usage.reports import dollars, to_csv

_CENTS = Decimal("0.01")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_month(value: str | None, now: datetime | None = None) -> str:
    """A month as YYYY-MM, this month when absent; a malformed or future month is a 422 naming `month`."""
    current = (now or datetime.now(UTC)).strftime("%Y-%m")
    if value is None:
        return current
    if not _MONTH.match(value) or value < "2000-01":
        raise ValidationFailed.field("month", "must be a month as YYYY-MM")
    if value > current:
        raise ValidationFailed.field("month", "is in the future")
    return value


def _counters(workspace_id: str, month: str) -> dict[str, int]:
    """The month's usage per kind, activity per metric and the current contact total, in one BatchGetItem."""
    usage_pk = meter.usage_pk(workspace_id)
    keys = [(usage_pk, meter.counter_sk(kind, "month", month)) for kind in meter.KINDS]
    keys += [(activity_pk(workspace_id), counter_sk(metric, month)) for metric in METRICS.values()]
    keys.append((f"WS#{workspace_id}#STATS", "CONTACTS"))
    found: dict[str, int] = {}
    for item in CrmModel.batch_get(keys, consistent_read=True):
        if isinstance(item, UsageCounterItem):
            found[f"usage:{str(item.SK).split('#', 1)[0]}"] = int(item.used or 0)
        elif isinstance(item, ContactStatsItem):
            found["contacts"] = int(item.total or 0)
        else:
            found[str(item.SK).split("#", 1)[0]] = int(getattr(item, "total", 0) or 0)
    return found


def _percents(markups: dict[str, Decimal]) -> dict[str, str]:
    """Each product's markup as a percentage with two decimals ("0.00": at cost)."""
    return {kind: str(markups[kind].quantize(_CENTS)) for kind in pricing.PRODUCTS}


def _money(usage: dict[str, int], markups: dict[str, Decimal]) -> tuple[dict[str, int], dict[str, int]]:
    """Cost and billed micro-dollars per product, each with its total."""
    cost = {kind: pricing.cost_micros(kind, usage[kind]) for kind in pricing.PRODUCTS}
    billed = {kind: pricing.billed_micros(cost[kind], markups[kind]) for kind in pricing.PRODUCTS}
    return {**cost, "total": sum(cost.values())}, {**billed, "total": sum(billed.values())}


def sub_account_rollup(sub: SubAccountItem, month: str) -> dict[str, Any]:
    """One sub-account's month."""
    found = _counters(sub.sub_account_id, month)
    usage = {kind: found.get(f"usage:{kind}", 0) for kind in meter.KINDS}
    activity = {metric: found.get(metric, 0) for metric in METRICS.values()}
    markups = pricing.markups(sub.sub_account_id)
    cost, billed = _money(usage, markups)
    return {
        "id": sub.sub_account_id, "name": sub.name,
        "contacts": {"total": found.get("contacts", 0), "created": activity["contacts_created"]},
        "messages": {"sms_sent": activity["sms_sent"], "sms_received": activity["sms_received"],
                     "emails_sent": activity["emails_sent"],
                     "total": activity["sms_sent"] + activity["sms_received"] + activity["emails_sent"]},
        "calls": activity["calls"], "appointments": activity["appointments"],
        "usage": usage, "markups": _percents(markups),
        "cost_micros": cost, "billed_micros": billed,
    }


def _totals(items: list[dict[str, Any]]) -> dict[str, Any]:
    def add(path: tuple[str, ...]) -> int:
        total = 0
        for item in items:
            value: Any = item
            for key in path:
                value = value[key]
            total += int(value)
        return total

    money = ("sms_segments", "emails", "voice_minutes", "ai_tokens", "total")
    return {
        "sub_accounts": len(items),
        "contacts": {k: add(("contacts", k)) for k in ("total", "created")},
        "messages": {k: add(("messages", k)) for k in ("sms_sent", "sms_received", "emails_sent", "total")},
        "calls": add(("calls",)), "appointments": add(("appointments",)),
        "usage": {kind: add(("usage", kind)) for kind in meter.KINDS},
        "cost_micros": {k: add(("cost_micros", k)) for k in money},
        "billed_micros": {k: add(("billed_micros", k)) for k in money},
    }


def _all_rollups(agency_id: str, month: str) -> list[dict[str, Any]]:
    """Every sub-account's month (their listing, then each one's BatchGetItem, a few at a time)."""
    subs = list(SubAccountItem.query(sub_accounts_pk(agency_id), SubAccountItem.SK.startswith("SUB#"),
                                     consistent_read=True))
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(subs)))) as pool:
        return list(pool.map(lambda sub: sub_account_rollup(sub, month), subs))


def rollups(identity: Identity, month: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the agency's sub-accounts with their month, the totals of that page and, on the first page, the
    agency's totals over every sub-account (later pages answer null: the client has them already)."""
    require_agency(identity)
    wanted = check_month(month)
    subs, next_cursor = query_page(SubAccountItem, sub_accounts_pk(identity.workspace_id), "SUB#", limit,
                                   decode_cursor(cursor), consistent_read=True)
    items = [sub_account_rollup(sub, wanted) for sub in subs]
    agency_totals = None
    if cursor is None:  # one page is everything: its totals are the agency's, at no extra read
        agency_totals = _totals(items if next_cursor is None else _all_rollups(identity.workspace_id, wanted))
    return {"month": wanted, "items": items, "next_cursor": next_cursor, "totals": _totals(items),
            "agency_totals": agency_totals}


_CSV_HEADER = ("month", "sub_account_id", "name", "contacts", "contacts_created", "sms_sent", "sms_received",
               "emails_sent", "calls", "appointments", *(f"{kind}_used" for kind in meter.KINDS),
               *(f"{kind}_cost_usd" for kind in pricing.PRODUCTS), "cost_usd",
               *(f"{kind}_billed_usd" for kind in pricing.PRODUCTS), "billed_usd")


def _csv_line(month: str, sub_account_id: str, name: str, row: dict[str, Any]) -> list[Any]:
    cost, billed = row["cost_micros"], row["billed_micros"]
    return [month, sub_account_id, name, row["contacts"]["total"], row["contacts"]["created"],
            row["messages"]["sms_sent"], row["messages"]["sms_received"], row["messages"]["emails_sent"],
            row["calls"], row["appointments"], *(row["usage"][kind] for kind in meter.KINDS),
            *(dollars(cost[kind]) for kind in pricing.PRODUCTS), dollars(cost["total"]),
            *(dollars(billed[kind]) for kind in pricing.PRODUCTS), dollars(billed["total"])]


def rollups_csv(identity: Identity, month: str | None) -> tuple[str, str]:
    """Every sub-account's month as CSV (amounts in dollars), then a TOTAL line for the agency; and the month."""
    require_agency(identity)
    wanted = check_month(month)
    items = sorted(_all_rollups(identity.workspace_id, wanted), key=lambda r: (r["name"].lower(), r["id"]))
    lines = [_csv_line(wanted, r["id"], r["name"], r) for r in items]
    lines.append(_csv_line(wanted, "TOTAL", f"{len(items)} sub-accounts", _totals(items)))
    return to_csv(_CSV_HEADER, lines), wanted


def _rebilling_view(sub_account_id: str, markups: dict[str, Decimal]) -> dict[str, Any]:
    return {"sub_account_id": sub_account_id, "markups": _percents(markups)}


def get_rebilling(identity: Identity, sub_account_id: str) -> dict[str, Any]:
    """A sub-account's markup per product (percent; "0.00" is at cost)."""
    sub = sub_account_item(identity, sub_account_id)
    return _rebilling_view(sub.sub_account_id, pricing.markups(sub.sub_account_id))


def set_rebilling(identity: Identity, sub_account_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change some products' markups for one sub-account; the others keep theirs."""
    sub = sub_account_item(identity, sub_account_id)
    return _rebilling_view(sub.sub_account_id,
                           pricing.set_markups(sub.sub_account_id, body["markups"], identity.principal_id))
