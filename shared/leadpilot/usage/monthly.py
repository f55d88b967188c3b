"""The monthly usage report: every workspace's month by product from the month's rollups, stored (summary in
DynamoDB, CSV in the files bucket) and mailed to the platform administrators with the CSV attached. Generated on
the 1st by a schedule; any past month can be generated again and gives the same totals (rollups of a finished
month change only when a refund of one of its charges lands)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import boto3

from leadpilot.clock import now_iso
from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.usage import reports
from leadpilot.usage.models import UsageReportItem, UsageRollupItem
from leadpilot.usage.platform_mail import mail_admins

REPORTS_PK = "PLATFORM#USAGE_REPORTS"
CSV_HEADER = ("month", "workspace_id", "product", "quantity", "cost_usd", "billed_usd")


def past_month(value: Any, today: date | None = None) -> str:
    """A finished month, yyyy-mm; this month or a future one is a 422 naming `month`."""
    today = today or datetime.now(UTC).date()
    month = reports.parse_period(value, "month", "month")
    if month >= today.replace(day=1):
        raise ValidationFailed.field("month", "must be a past month (this month is not finished)")
    return month.strftime("%Y-%m")


def last_month(today: date) -> str:
    """The month before `today`'s (what the schedule on the 1st reports)."""
    first = today.replace(day=1)
    return (date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)).strftime("%Y-%m")


def _csv(month: str, items: list[UsageRollupItem], report: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    for item in sorted(items, key=lambda i: (str(i.workspace_id), str(i.product))):
        sums = reports.Sums()
        sums.add(item)
        figures = sums.to_dict()
        rows.append([month, item.workspace_id, item.product, figures["quantity"],
                     reports.dollars(figures["cost_micros"]), reports.dollars(figures["billed_micros"])])
    rows += [[month, "TOTAL", t["product"], t["quantity"], reports.dollars(t["cost_micros"]),
              reports.dollars(t["billed_micros"])] for t in report["totals"]]
    rows.append([month, "TOTAL", "all", "", reports.dollars(report["cost_micros"]),
                 reports.dollars(report["billed_micros"])])
    return reports.to_csv(CSV_HEADER, rows)


def csv_key(month: str) -> str:
    return f"platform/usage/monthly/{month}.csv"


@lru_cache(maxsize=2)
def _s3(region: str) -> Any:
    return boto3.client("s3", region_name=region)


def generate(settings: Settings, month: str) -> dict[str, Any]:
    """Build, store and mail one month's report; returns its summary (the same totals every time)."""
    first = datetime.strptime(month, "%Y-%m").date()
    span = reports.Range("month", first, first)
    items = list(reports.platform_rollups(span))
    report = reports.summarize(items, span)
    text = _csv(month, items, report)
    _s3(settings.region).put_object(Bucket=settings.need("files_bucket"), Key=csv_key(month), Body=text.encode(),
                                    ContentType="text/csv", ServerSideEncryption="AES256")
    summary = {"month": month, "workspaces": report["workspaces"], "totals": report["totals"],
               "cost_micros": report["cost_micros"], "billed_micros": report["billed_micros"],
               "rows": len(items), "generated_at": now_iso()}
    summary["emailed_to"] = mail_admins(
        settings, f"LeadPilot usage report {month}",
        f"Usage of {report['workspaces']} workspaces in {month}: cost ${reports.dollars(report['cost_micros'])}, "
        f"billed ${reports.dollars(report['billed_micros'])}. The CSV attached has one line per workspace and "
        "product.\n", (f"leadpilot-usage-{month}.csv", text))
    UsageReportItem(REPORTS_PK, f"MONTHLY#{month}", report=json.dumps(summary), csv_key=csv_key(month),
                    generated_at=summary["generated_at"]).save()
    logger.info("monthly usage report", extra={"month": month, "workspaces": summary["workspaces"],
                                               "cost_micros": summary["cost_micros"]})
    metrics.add_metric(name="UsageMonthlyReport", unit="Count", value=1)
    return summary


def stored(settings: Settings, month: str) -> dict[str, Any]:
    """A generated month's summary and a short-lived link to its CSV; 404 when it was never generated."""
    try:
        item = UsageReportItem.get(REPORTS_PK, f"MONTHLY#{month}", consistent_read=True)
    except UsageReportItem.DoesNotExist as exc:
        raise NotFound(f"no usage report for {month} yet; generate it", {"field": "month"}) from exc
    summary = json.loads(str(item.report))
    summary["csv_url"] = str(_s3(settings.region).generate_presigned_url(
        "get_object", ExpiresIn=900, Params={"Bucket": settings.need("files_bucket"), "Key": str(item.csv_key),
                                             "ResponseContentDisposition":
                                                 f'attachment; filename="leadpilot-usage-{month}.csv"'}))
    return summary
