"""Usage: the workspace's metered counters against its plan limits and add-ons; usage reports from the ledger
(the workspace's, and the platform's for platform administrators); the daily reconciliation and the monthly
report on schedules (ADR 0026)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.identity.authenticate import require_role
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot import usage
    from leadpilot.usage import monthly, reconcile, reports
else:  # domain modules load on first use: a cold start pays only for what its request needs
    usage = lazy("leadpilot.usage")
    reports = lazy("leadpilot.usage.reports")
    monthly = lazy("leadpilot.usage.monthly")
    reconcile = lazy("leadpilot.usage.reconcile")

app = Chalice(app_name="leadpilot-usage")
edge = Edge(app, "leadpilot.usage")
ADMINS = ("owner", "admin")


@edge.route("/usage", "GET")
def get_usage() -> dict[str, Any]:
    return usage.describe_usage(edge.identity())


@edge.route("/usage/limits", "PUT")
def put_usage_limits() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return usage.set_limits(identity, edge.body("usage_limits"))


def _range() -> Any:
    return reports.report_range(edge.query("from"), edge.query("to"), edge.query("granularity"))


def _csv(text: str, name: str) -> Response:
    return Response(body=text, status_code=200, headers={"Content-Type": "text/csv; charset=utf-8",
                                                         "Content-Disposition": f'attachment; filename="{name}"'})


@edge.route("/usage/reports", "GET")
def get_usage_report() -> dict[str, Any]:
    """The workspace's usage by day or month and product: quantity, cost and billed amount."""
    identity = edge.identity()
    require_role(identity, *ADMINS)
    return reports.workspace_report(identity.workspace_id, _range())


@edge.route("/usage/reports/csv", "GET")
def get_usage_report_csv() -> Response:
    """The workspace's usage report as CSV."""
    identity = edge.identity()
    require_role(identity, *ADMINS)
    report = reports.workspace_report(identity.workspace_id, _range())
    return _csv(reports.report_csv(report), f"usage-{report['from']}-{report['to']}.csv")


@edge.route("/platform/usage/reports", "GET")
def get_platform_usage_report() -> dict[str, Any]:
    """Every workspace's usage summed, by day or month and product (platform administrators only)."""
    reports.require_platform_admin(edge.identity())
    return reports.platform_report(_range())


@edge.route("/platform/usage/reports/csv", "GET")
def get_platform_usage_report_csv() -> Response:
    """The platform's usage report as CSV (platform administrators only)."""
    reports.require_platform_admin(edge.identity())
    report = reports.platform_report(_range())
    return _csv(reports.report_csv(report), f"platform-usage-{report['from']}-{report['to']}.csv")


@edge.route("/platform/usage/monthly-reports", "GET")
def get_monthly_usage_report() -> dict[str, Any]:
    """A generated monthly report: its totals and a link to its CSV (platform administrators only)."""
    reports.require_platform_admin(edge.identity())
    return monthly.stored(edge.settings, monthly.past_month(edge.query("month")))


@edge.route("/platform/usage/monthly-reports", "POST")
def post_monthly_usage_report() -> Response:
    """Generate a past month's report again: stored and mailed to the platform administrators."""
    identity, body = edge.identity("write"), edge.body("monthly_report_request")
    reports.require_platform_admin(identity)
    month = monthly.past_month(body["month"])
    return edge.created(monthly.generate(edge.settings, month))


@edge.route("/platform/usage/reconciliation", "GET")
def get_usage_reconciliation() -> dict[str, Any]:
    """A day's reconciliation of counters against the ledger (platform administrators only)."""
    reports.require_platform_admin(edge.identity())
    return reconcile.stored(reports.report_day(edge.query("date")))


@app.lambda_function(name="reconcile_usage")
def reconcile_usage(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled daily: yesterday's and its month's counters against the ledger."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    report = reconcile.reconcile(edge.settings, yesterday)
    return {"date": report["date"], "workspaces_checked": report["workspaces_checked"],
            "drifts": len(report["drifts"])}


@app.lambda_function(name="monthly_usage_report")
def monthly_usage_report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled on the 1st: last month's report for every workspace, stored and mailed."""
    summary = monthly.generate(edge.settings, monthly.last_month(datetime.now(UTC).date()))
    return {"month": summary["month"], "workspaces": summary["workspaces"]}
