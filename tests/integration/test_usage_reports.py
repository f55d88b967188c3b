"""Usage reports: a month's totals (cost, and billed at the markups in force when charged) against a golden file,
by day and by month, as CSV; the platform's report and the monthly report for platform administrators only,
mailed with its CSV attached and generated again with the same totals."""
from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.cron import next_fire, parse_schedule
from infra.local.scheduler import Scheduler
from leadpilot import usage
from leadpilot.db.base import bind_tables
from leadpilot.email.provider import captured
from leadpilot.identity.platform import set_platform_admin
from leadpilot.settings import get_settings
from leadpilot.usage import pricing
from leadpilot.usage.monthly import last_month
from tests.integration.conftest import sign_up
from tests.support.apps import ROOT, Api, load_module

GOLDEN = Path(__file__).parent / "golden"
OCT = "2026-10"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def october(workspace_id: str) -> None:
    """A month of usage at the markups below; a refund; and charges either side of the month."""
    settings = get_settings()
    bind_tables(settings)
    pricing.set_markups(workspace_id, {"sms_segments": 25, "emails": "12.5", "ai_tokens": 300}, "test")
    sms = usage.charge(settings, workspace_id, "sms_segments", 10, now=at("2026-10-01T08:00:00"), key="sms:a",
                       cause={"type": "message", "id": "a"})
    usage.charge(settings, workspace_id, "sms_segments", 5, now=at("2026-10-15T12:00:00"), key="sms:b")
    usage.refund(settings, workspace_id, "sms_segments", 2, charged_at=sms.at, key="refund:sms:a")
    usage.charge(settings, workspace_id, "emails", 3, now=at("2026-10-02T09:30:00"), key="email:a")
    usage.charge(settings, workspace_id, "voice_minutes", 7, now=at("2026-10-31T23:59:59"), key="call:a",
                 enforce=False, cause={"type": "call", "id": "a"})
    usage.charge(settings, workspace_id, "ai_tokens", 1_234, now=at("2026-10-20T10:00:00"), key="ai:a", enforce=False)
    usage.charge(settings, workspace_id, "emails", 100, now=at("2026-09-30T23:59:59"), key="email:sep")
    usage.charge(settings, workspace_id, "emails", 100, now=at("2026-11-01T00:00:00"), key="email:nov")
    # A markup changed after the month changes nothing billed in it
    pricing.set_markups(workspace_id, {"sms_segments": 50}, "test")


def admin_token(api: Api, owner: dict[str, Any]) -> str:
    set_platform_admin(owner["user"]["email"])
    login = api.post("/auth/login", {"email": owner["user"]["email"], "password": "correct-horse-battery"})
    return str(login.body["access_token"])


def test_a_months_totals_match_the_golden_file_by_month_day_and_csv(api: Api, owner: dict[str, Any]) -> None:
    # Given a month of usage with markups
    token = owner["access_token"]
    october(owner["workspace"]["id"])

    # When the workspace's report is read by month, by day and as CSV
    month = api.get(f"/usage/reports?granularity=month&from={OCT}&to={OCT}", token=token)
    days = api.get("/usage/reports?from=2026-10-01&to=2026-10-31", token=token)
    csv = api.get("/usage/reports/csv?from=2026-10&to=2026-10&granularity=month", token=token)

    # Then the month is the golden one: cost 13 x 7,900 + 3 x 100 + 7 x 14,000 + 1,234 = 202,234 micro-dollars,
    # billed 128,375 + 337.5 + 98,000 + 4,936 = 231,648.5, rounded once to 231,649
    assert month.status == 200, month
    assert month.body == json.loads((GOLDEN / "usage_month.json").read_text())
    assert (month.body["cost_micros"], month.body["billed_micros"]) == (202_234, 231_649)
    # and the days add up to the same totals, each usage on its own day (the refund on its charge's)
    assert days.status == 200 and days.body["totals"] == month.body["totals"], days
    assert [(r["period"], r["product"], r["quantity"]) for r in days.body["rows"]] == [
        ("2026-10-01", "sms_segments", 8), ("2026-10-02", "emails", 3), ("2026-10-15", "sms_segments", 5),
        ("2026-10-20", "ai_tokens", 1_234), ("2026-10-31", "voice_minutes", 7)]
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv"), csv
    assert csv.raw == (GOLDEN / "usage_month.csv").read_bytes().decode()


def test_reports_refuse_bad_ranges_naming_the_field(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    for query, field in (("granularity=week", "granularity"), ("from=2026-10", "from"),
                         ("granularity=month&to=2026-13", "to"), ("from=2026-10-05&to=2026-10-01", "from"),
                         ("from=2020-01-01&to=2026-01-01", "to")):
        reply = api.get(f"/usage/reports?{query}", token=token)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == field, (query, reply)
    # and a range older than six months is answered like any other
    old = api.get("/usage/reports?granularity=month&from=2016-01&to=2025-12", token=token)
    assert old.status == 200 and old.body["rows"] == [], old


def test_platform_reports_are_for_platform_admins_and_the_monthly_report_is_mailed(api: Api,
                                                                                  owner: dict[str, Any]) -> None:
    # Given two workspaces with the same month of usage, and a platform administrator
    other = sign_up(api, "Other")
    october(owner["workspace"]["id"])
    october(other["workspace"]["id"])
    admin = admin_token(api, owner)

    # When anyone else asks for the platform's reports, they are refused
    for method, path in (("GET", f"/platform/usage/reports?granularity=month&from={OCT}&to={OCT}"),
                         ("GET", "/platform/usage/reports/csv"),
                         ("GET", f"/platform/usage/monthly-reports?month={OCT}"),
                         ("POST", "/platform/usage/monthly-reports")):
        reply = api.call(method, path, {"month": OCT} if method == "POST" else None, token=other["access_token"])
        assert reply.status == 403, (path, reply)

    # When the administrator reads the platform's month, and has the monthly report generated twice
    platform = api.get(f"/platform/usage/reports?granularity=month&from={OCT}&to={OCT}", token=admin)
    first = api.post("/platform/usage/monthly-reports", {"month": OCT}, token=admin)
    sender = {"from_email": "ops@leadpilot.test", "from_name": "LeadPilot Ops"}  # the platform's own from address
    assert api.call("PUT", "/platform/settings", {"credentials": {"email": sender}}, token=admin).status == 200
    again = api.post("/platform/usage/monthly-reports", {"month": OCT}, token=admin)
    stored = api.get(f"/platform/usage/monthly-reports?month={OCT}", token=admin)

    # Then the platform's month is both workspaces' summed
    assert platform.status == 200 and platform.body["workspaces"] == 2, platform
    assert (platform.body["cost_micros"], platform.body["billed_micros"]) == (2 * 202_234, 2 * 231_648 + 1)
    # and the monthly report has the same totals each time, is stored, and went to the administrator with its CSV
    assert first.status == 201 and again.status == 201, (first, again)
    figures = ("workspaces", "totals", "cost_micros", "billed_micros", "rows")
    assert {k: first.body[k] for k in figures} == {k: again.body[k] for k in figures} == \
        {k: stored.body[k] for k in figures}
    assert first.body["totals"] == platform.body["totals"] and first.body["rows"] == 8
    assert first.body["emailed_to"] == [owner["user"]["email"]] and stored.body["csv_url"].startswith("http")
    mails = [email.message_from_bytes(m["raw_data"].encode() if isinstance(m["raw_data"], str) else m["raw_data"])
             for m in captured()]
    # (this worker's SES may hold other tests' reports to their own administrators)
    reports = [m for m in mails
               if m["Subject"] == f"LeadPilot usage report {OCT}" and m["To"] == owner["user"]["email"]]
    assert len(reports) == 2
    # (the second from the address the platform saved, the first from the deployment's)
    assert sorted(m["From"] == "LeadPilot Ops <ops@leadpilot.test>" for m in reports) == [False, True]
    attachment = next(p for p in reports[0].walk() if p.get_filename() == f"leadpilot-usage-{OCT}.csv")
    lines = attachment.get_payload(decode=True).decode().splitlines()
    assert lines[0] == "month,workspace_id,product,quantity,cost_usd,billed_usd" and len(lines) == 1 + 8 + 5
    assert lines[-1] == f"{OCT},TOTAL,all,,0.404468,0.463297"


def test_the_monthly_report_refuses_this_month_and_future_months(api: Api, owner: dict[str, Any]) -> None:
    admin = admin_token(api, owner)
    this_month = datetime.now(UTC).strftime("%Y-%m")
    for month in (this_month, "2999-01", "2026-1", "soon"):
        reply = api.post("/platform/usage/monthly-reports", {"month": month}, token=admin)
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == "month", reply
    # and a month never generated is a 404 naming the month
    missing = api.get("/platform/usage/monthly-reports?month=2020-01", token=admin)
    assert missing.status == 404 and missing.body["error"]["details"] == {"field": "month"}, missing


def test_the_local_scheduler_runs_reconciliation_daily_and_the_monthly_report_on_the_first(
        cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given the template's schedules as the local cloud's scheduler reads them, invoking the real handlers
    functions = {f.logical_id: f for f in cloud.functions}

    def invoke(function_id: str, event: Any) -> Any:
        spec = functions[function_id]
        module = load_module(str(spec.code_uri.relative_to(ROOT)))
        return getattr(module, spec.handler.rpartition(".")[2])(event, None)

    scheduler = Scheduler(invoke, cloud)
    daily, first = (parse_schedule(functions[f].schedules[0].expression)
                    for f in ("UsageReconcileFunction", "UsageMonthlyReportFunction"))
    after = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert next_fire(daily, after) == datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    assert next_fire(first, after) == datetime(2027, 1, 1, 6, 0, tzinfo=UTC)
    admin = admin_token(api, owner)

    # When each fires
    reconciled = scheduler.fire("UsageReconcileFunction")
    reported = scheduler.fire("UsageMonthlyReportFunction")

    # Then yesterday was reconciled and last month's report was stored, both readable by the administrator
    assert reconciled["workspaces_checked"] == 1 and reconciled["drifts"] == 0, reconciled
    assert api.get(f"/platform/usage/reconciliation?date={reconciled['date']}", token=admin).status == 200
    assert reported["month"] == last_month(datetime.now(UTC).date()), reported
    stored = api.get(f"/platform/usage/monthly-reports?month={reported['month']}", token=admin)
    assert stored.status == 200 and stored.body["emailed_to"] == [owner["user"]["email"]], stored
