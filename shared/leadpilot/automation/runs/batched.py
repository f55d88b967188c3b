"""Enrolling many contacts of one trigger event at once (an audience chunk): the runs of up to 14 contacts in one
transaction, their executions started side by side.

Exactly once as one at a time: each contact's enrollment and run record carry the same conditions as in
runs.enroll, so a group either commits whole or not at all; a group that does not (a redelivered chunk, a
contact already in the flow) is enrolled again one contact at a time by runs.enroll, which sorts out who is
new, who is a repeat of the same event and who may not enter. Executions are named by their run id: a start
repeated after a crash is a no-op.
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.automation.runs import metrics, runs
from leadpilot.automation.runs.drafts import PublishedFlow
from leadpilot.db.base import transaction
from leadpilot.observability import metrics as cloudwatch
from leadpilot.settings import Settings

PER_TRANSACTION = 14  # 7 items per contact and the flow's counter: 99 of DynamoDB's 100 per transaction
STARTERS = 8  # StartExecution calls in flight at once

_STARTERS = ThreadPoolExecutor(max_workers=STARTERS, thread_name_prefix="start-execution")  # threads on first use


def enroll_many(settings: Settings, workspace_id: str, flow: PublishedFlow,
                wanted: Sequence[tuple[str, str, dict[str, Any]]]) -> list[str | None]:
    """Start the flow for each (contact id, trigger event id, payload); per entry, the run id or None when that
    contact may not enter now (as runs.enroll)."""
    results: list[str | None] = [None] * len(wanted)
    starts: list[Future[None]] = []
    for first in range(0, len(wanted), PER_TRANSACTION):
        group = range(first, min(first + PER_TRANSACTION, len(wanted)))
        plans = [runs.plan_enrolment(workspace_id, flow, *wanted[i]) for i in group]
        try:
            with transaction(settings) as txn:
                for plan in plans:
                    plan.write(txn)
                txn.update(metrics.flow_metrics_item(workspace_id, flow.flow_id),
                           actions=metrics.status_actions(None, "running", len(plans)))
        except TransactWriteError:  # someone in the group is not new: settle each on its own
            for i in group:
                results[i] = runs.enroll(settings, workspace_id, flow, *wanted[i])
            continue
        for i, plan in zip(group, plans, strict=True):
            results[i] = plan.run_id
            starts.append(_STARTERS.submit(runs.start_execution, settings, workspace_id, flow, plan))
        cloudwatch.add_metric(name="FlowEnrolled", unit="Count", value=len(plans))
    for started in starts:
        started.result()  # a failed start fails the chunk: its redelivery starts what is missing
    return results
