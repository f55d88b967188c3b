"""Usage reports from the ledger's rollups: one workspace's (one Query per month) and the platform's (the month's
8 index partitions), by day or month and product: quantity, our cost and the billed amount; CSV of both."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from leadpilot.db.base import CrmModel
from leadpilot.errors import Forbidden, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.usage import ledger
from leadpilot.usage.models import UsageRollupItem
from leadpilot.usage.pricing import PRODUCTS

GRANULARITIES = ("day", "month")
MAX_DAYS = 366
MAX_MONTHS = 120  # ten years a request; older months stay readable, a range at a time
CSV_HEADER = ("period", "product", "quantity", "cost_usd", "billed_usd")


@dataclass(frozen=True)
class Range:
    """A report's periods: days or months, from and to inclusive."""

    granularity: str
    first: date  # a month is its first day
    last: date

    def months(self) -> list[str]:
        months, at = [], self.first.replace(day=1)
        while at <= self.last:
            months.append(at.strftime("%Y-%m"))
            at = (at + timedelta(days=32)).replace(day=1)
        return months

    def label(self, value: date) -> str:
        return value.strftime("%Y-%m-%d" if self.granularity == "day" else "%Y-%m")


@dataclass
class Sums:
    """Quantity, cost and exact billed amount (1/10,000 micro-dollars) of some rollups."""

    quantity: int = 0
    cost: int = 0
    billed_e4: int = 0

    def add(self, item: UsageRollupItem) -> None:
        self.quantity += int(item.quantity or 0)
        self.cost += int(item.cost_micros or 0)
        self.billed_e4 += int(item.billed_e4 or 0)

    def to_dict(self) -> dict[str, int]:
        return {"quantity": self.quantity, "cost_micros": self.cost,
                "billed_micros": ledger.billed_micros(self.billed_e4)}


def require_platform_admin(identity: Identity) -> None:
    """Platform-wide reports are for platform administrators only (403 for everyone else)."""
    if not identity.platform_admin:
        raise Forbidden("platform administrators only")


def report_day(value: str | None, today: date | None = None) -> str:
    """A day, yyyy-mm-dd (default: yesterday, the last day reconciled)."""
    if value is None:
        return ((today or datetime.now(UTC).date()) - timedelta(days=1)).strftime("%Y-%m-%d")
    return parse_period(value, "date", "day").strftime("%Y-%m-%d")


_SHAPES = {"day": (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d", "a date like 2026-11-30"),
           "month": (re.compile(r"\d{4}-\d{2}"), "%Y-%m", "a month like 2026-11")}


def parse_period(value: Any, field: str, granularity: str) -> date:
    """A yyyy-mm-dd day or a yyyy-mm month (its first day); a 422 naming `field` otherwise."""
    shape, pattern, words = _SHAPES[granularity]
    try:
        if not isinstance(value, str) or not shape.fullmatch(value):
            raise ValueError(value)
        return datetime.strptime(value, pattern).date()
    except ValueError as exc:
        raise ValidationFailed.field(field, f"must be {words}") from exc


def _parse(value: str | None, field: str, granularity: str) -> date | None:
    return None if value is None else parse_period(value, field, granularity)


def report_range(start: str | None, end: str | None, granularity: str | None, today: date | None = None) -> Range:
    """The checked range of a report request; defaults: this month by day, or the last 12 months by month."""
    granularity = granularity or "day"
    if granularity not in GRANULARITIES:
        raise ValidationFailed.field("granularity", "must be day or month")
    today = today or datetime.now(UTC).date()
    first, last = _parse(start, "from", granularity), _parse(end, "to", granularity)
    if granularity == "day":
        last = last or today
        first = first or last.replace(day=1)
        span, limit = (last - first).days + 1, MAX_DAYS
    else:
        last = last or today.replace(day=1)
        first = first or (last - timedelta(days=334)).replace(day=1)
        span, limit = (last.year - first.year) * 12 + last.month - first.month + 1, MAX_MONTHS
    if first > last:
        raise ValidationFailed.field("from", "must not be after to")
    if span > limit:
        raise ValidationFailed.field("to", f"a report covers at most {limit} {granularity}s; ask for less")
    return Range(granularity, first, last)


def _in_range(period: str, span: Range) -> bool:
    return span.label(span.first) <= period <= span.label(span.last)


def workspace_rollups(workspace_id: str, span: Range) -> Iterator[UsageRollupItem]:
    """The rollups of one workspace in a range: one Query per month (day or month rollups)."""
    prefix = "ROLLUP#D#" if span.granularity == "day" else "ROLLUP#M#"
    for month in span.months():
        for item in UsageRollupItem.query(ledger.ledger_pk(workspace_id, month), UsageRollupItem.SK.startswith(prefix),
                                          consistent_read=True):
            if isinstance(item, UsageRollupItem) and _in_range(str(item.period), span):
                yield item


def platform_rollups(span: Range) -> Iterator[UsageRollupItem]:
    """Every workspace's rollups in a range, from the index: per month, one Query per shard."""
    prefix = "D#" if span.granularity == "day" else "M#"
    for month in span.months():
        for shard_no in range(ledger.SHARDS):
            for item in CrmModel.gsi1.query(ledger.platform_pk(month, shard_no), CrmModel.GSI1SK.startswith(prefix)):
                if isinstance(item, UsageRollupItem) and _in_range(str(item.period), span):
                    yield item


def summarize(items: Iterable[UsageRollupItem], span: Range) -> dict[str, Any]:
    """Rows by period x product, totals by product and overall (billed rounded once per figure)."""
    rows: dict[tuple[str, str], Sums] = {}
    totals = {product: Sums() for product in PRODUCTS}
    overall, workspaces = Sums(), set()
    for item in items:
        key = (str(item.period), str(item.product))
        for sums in (rows.setdefault(key, Sums()), totals[str(item.product)], overall):
            sums.add(item)
        workspaces.add(str(item.workspace_id))
    return {"from": span.label(span.first), "to": span.label(span.last), "granularity": span.granularity,
            "rows": [{"period": period, "product": product, **rows[(period, product)].to_dict()}
                     for period, product in sorted(rows)],
            "totals": [{"product": product, **sums.to_dict()} for product, sums in totals.items()],
            "cost_micros": overall.cost, "billed_micros": ledger.billed_micros(overall.billed_e4),
            "workspaces": len(workspaces)}


def workspace_report(workspace_id: str, span: Range) -> dict[str, Any]:
    """One workspace's report (its own ledger only: the workspace id comes from the caller's identity)."""
    report = summarize(workspace_rollups(workspace_id, span), span)
    del report["workspaces"]
    return report


def platform_report(span: Range) -> dict[str, Any]:
    """The whole platform's report: every workspace's rollups, summed."""
    return summarize(platform_rollups(span), span)


def dollars(micros: int) -> str:
    """Micro-dollars as an exact decimal dollar amount (6 places)."""
    return str((Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.000001")))


def to_csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def report_csv(report: dict[str, Any]) -> str:
    """A report's rows as CSV (amounts in dollars), a TOTAL line per product and one overall."""
    lines: list[list[Any]] = [[r["period"], r["product"], r["quantity"], dollars(r["cost_micros"]),
                               dollars(r["billed_micros"])] for r in report["rows"]]
    lines += [["TOTAL", t["product"], t["quantity"], dollars(t["cost_micros"]), dollars(t["billed_micros"])]
              for t in report["totals"]]
    lines.append(["TOTAL", "all", "", dollars(report["cost_micros"]), dollars(report["billed_micros"])])
    return to_csv(CSV_HEADER, lines)
