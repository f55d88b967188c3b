"""Daily reconciliation: each workspace's day and month counters against the sums of its ledger entries.

Counters and entries are written in one transaction, so they agree unless something moved a counter outside
the charge path (a manual fix, a bug, a restore). A difference is read again once before it is reported, so a
charge landing between the two reads is not mistaken for drift. Drift is logged, stored as the day's report
(GET /platform/usage/reconciliation) and sent to the platform administrators as an in-app notification.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from leadpilot.clock import now_iso
from leadpilot.db.base import IdentityModel
from leadpilot.db.identity_models import WorkspaceItem
from leadpilot.errors import NotFound
from leadpilot.identity.platform import home_workspace, platform_admins
from leadpilot.notifications.service import notify
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.usage import ledger
from leadpilot.usage.meter import KINDS, counter_sk, usage_pk
from leadpilot.usage.models import LedgerEntryItem, UsageCounterItem, UsageReportItem

REPORTS_PK = "PLATFORM#USAGE_REPORTS"


def workspace_ids() -> Iterator[str]:
    """Every workspace on the platform (the identity table's listing index)."""
    for item in IdentityModel.gsi1.query("WORKSPACES"):
        if isinstance(item, WorkspaceItem):
            yield str(item.workspace_id)


def _counters(workspace_id: str, day: str, month: str) -> dict[tuple[str, str], int]:
    keys = [(usage_pk(workspace_id), counter_sk(kind, period, value))
            for kind in KINDS for period, value in (("day", day), ("month", month))]
    found = {str(i.SK): int(i.used or 0) for i in UsageCounterItem.batch_get(keys, consistent_read=True)}
    return {(kind, period): found.get(counter_sk(kind, period, value), 0)
            for kind in KINDS for period, value in (("day", day), ("month", month))}


def _ledger(workspace_id: str, day: str, month: str) -> dict[tuple[str, str], int]:
    sums = {(kind, period): 0 for kind in KINDS for period in ("day", "month")}
    for entry in LedgerEntryItem.query(ledger.ledger_pk(workspace_id, month), LedgerEntryItem.SK.startswith("E#"),
                                       consistent_read=True):
        if not isinstance(entry, LedgerEntryItem):
            continue
        product, quantity = str(entry.product), int(entry.quantity)
        sums[(product, "month")] += quantity
        if str(entry.usage_at).startswith(day):
            sums[(product, "day")] += quantity
    return sums


def _drift(workspace_id: str, day: str, month: str) -> dict[tuple[str, str], tuple[int, int]]:
    counters, sums = _counters(workspace_id, day, month), _ledger(workspace_id, day, month)
    return {key: (counters[key], sums[key]) for key in counters if counters[key] != sums[key]}


def check_workspace(workspace_id: str, day: date) -> list[dict[str, Any]]:
    """The differences of one workspace on `day` and in its month, each read twice before it counts."""
    day_s, month = day.strftime("%Y-%m-%d"), day.strftime("%Y-%m")
    first = _drift(workspace_id, day_s, month)
    if not first:
        return []
    again = _drift(workspace_id, day_s, month)
    return [{"workspace_id": workspace_id, "product": product, "period": period,
             "period_value": day_s if period == "day" else month, "counter": counter, "ledger": summed,
             "drift": counter - summed}
            for (product, period), (counter, summed) in sorted(again.items()) if first.get((product, period))]


def reconcile(settings: Settings, day: date) -> dict[str, Any]:
    """Compare every workspace's counters with its ledger for `day` and its month; store and report drift."""
    drifts: list[dict[str, Any]] = []
    checked = 0
    for workspace_id in workspace_ids():
        checked += 1
        drifts += check_workspace(workspace_id, day)
    report = {"date": day.strftime("%Y-%m-%d"), "month": day.strftime("%Y-%m"), "workspaces_checked": checked,
              "drifts": drifts, "generated_at": now_iso()}
    UsageReportItem(REPORTS_PK, f"RECONCILIATION#{report['date']}", report=json.dumps(report),
                    generated_at=report["generated_at"]).save()
    for drift in drifts:
        logger.warning("usage drift", extra=drift)
    metrics.add_metric(name="UsageDrift", unit="Count", value=len(drifts))
    if drifts:
        _notify(settings, report)
    logger.info("usage reconciled", extra={"date": report["date"], "workspaces": checked, "drifts": len(drifts)})
    return report


def _notify(settings: Settings, report: dict[str, Any]) -> None:
    """An in-app notification to each platform administrator, in their own workspace."""
    workspaces = len({d["workspace_id"] for d in report["drifts"]})
    for user_id, _email in platform_admins():
        home = home_workspace(user_id)
        if home is not None:
            notify(settings, home, user_id, "usage_drift",
                   f"Usage drift on {report['date']}: {len(report['drifts'])} counters in {workspaces} workspaces",
                   "Counters and the usage ledger disagree; see the reconciliation report.",
                   f"/platform/usage/reconciliation?date={report['date']}")


def stored(day: str) -> dict[str, Any]:
    """The reconciliation report of one day; 404 when none ran that day."""
    try:
        item = UsageReportItem.get(REPORTS_PK, f"RECONCILIATION#{day}", consistent_read=True)
    except UsageReportItem.DoesNotExist as exc:
        raise NotFound(f"no reconciliation report for {day}", {"field": "date"}) from exc
    return dict(json.loads(str(item.report)))
