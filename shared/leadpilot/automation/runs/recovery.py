"""The run reconciler: running records whose execution has ended are closed; those whose execution is gone
(the local cloud restarted: moto keeps no executions, nor the flows' machines) start again at their last node.

Scheduled (template: AutomationRunsReconcilerFunction). It reads the ACTIVE_RUNS listing (no scan) and asks
Step Functions once per state machine for its running executions, so a sweep in which nothing changed costs
one query and one call per machine (run records are read only for runs whose execution is not running).
"""
from __future__ import annotations

import time
from collections import defaultdict

from leadpilot.automation.runs import controls, machines, runs, step_log, versions
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.automation.runs.models import RunIndexItem, RunItem
from leadpilot.errors import DomainError
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

# Runs restarted or closed per sweep at most (each costs a few calls); the listing itself is read whole, so the
# runs past this budget are the next sweep's, and N lost runs all come back within ceil(N / budget) sweeps.
SETTLE_BUDGET = 1000
_PAGE = 100
# A sweep rests after each page of the listing and of each machine's executions as long as the page took (at most
# MAX_REST_S): half of its time at most is work. The local cloud runs it in the API's process, on the same two
# cores; flat out, each sweep of 300 waiting runs doubled the latency of the requests beside it
# (bench/maintenance.py). On AWS it only lengthens the sweep (10,000 runs: a few seconds of its 300 s).
MAX_REST_S = 0.5


class _Pace:
    """Rest as long as the work since the last rest took."""

    def __init__(self) -> None:
        self.since = time.monotonic()

    def rest(self) -> None:
        time.sleep(min(MAX_REST_S, time.monotonic() - self.since))
        self.since = time.monotonic()


def reconcile(settings: Settings, config: RuntimeConfig, budget: int = SETTLE_BUDGET) -> dict[str, int]:
    """One sweep over every running run; returns how many were checked, closed, recovered and failed (and
    `deferred`: lost runs left to the next sweep once `budget` of them were settled)."""
    counts = {"checked": 0, "closed": 0, "recovered": 0, "failed": 0}
    by_machine: dict[str, list[RunIndexItem]] = defaultdict(list)
    pace = _Pace()
    listing = RunIndexItem.gsi1.query(runs.ACTIVE_PK, page_size=_PAGE)  # every page: no run is left out
    for n, entry in enumerate(listing, start=1):
        if isinstance(entry, RunIndexItem) and entry.execution_arn:
            by_machine[runs.machine_of(entry.execution_arn)].append(entry)
        if n % _PAGE == 0:
            pace.rest()
    settled = 0
    for machine_arn, entries in by_machine.items():
        alive = machines.running_executions(settings.region, machine_arn, between_pages=pace.rest)
        for entry in entries:
            counts["checked"] += 1
            if entry.execution_arn in alive:
                continue
            if settled >= budget:
                counts["deferred"] = counts.get("deferred", 0) + 1
                continue
            item = runs.get_item(entry.workspace_id, entry.run_id)
            outcome = _settle(settings, config, item) if item is not None and item.status == "running" else None
            if outcome:
                settled += 1
                counts[outcome] += 1
    if counts["recovered"]:
        metrics.add_metric(name="FlowRunRecovered", unit="Count", value=counts["recovered"])
    return counts


def _settle(settings: Settings, config: RuntimeConfig, item: RunItem) -> str | None:
    if runs.sync(settings, item).status != "running":
        return "closed"
    if machines.describe(settings.region, item.execution_arn) is not None:
        return None  # started meanwhile
    if runs.age_s(item.updated_at) < runs.START_GRACE_S:
        return None  # the trigger consumer or a control is between its write and its start
    try:
        recover_run(settings, config, item)
        return "recovered"
    except DomainError as exc:  # e.g. the contact was erased: the run fails, visibly and with the reason
        logger.warning("run not recoverable", extra={"run_id": item.run_id, "reason": exc.message})
        runs.finish(settings, item, "failed", "LeadPilot.NotRecoverable", f"lost its execution and "
                                                                          f"could not restart: {exc.message}")
        return "failed"


def recover_run(settings: Settings, config: RuntimeConfig, item: RunItem) -> runs.Run:
    """Start a run whose execution is gone at its last recorded node, re-creating its machine if needed.

    Actions already done at that node are replayed from their markers, not performed twice (same epoch)."""
    if versions.restore_machine(settings.region, item.workspace_id, item.flow_id, int(item.version)):
        step_log.record(item, "machine_recreated", controls.actor_of(None))
    return controls.relaunch(settings, item, item.current_node or None, runs.state_of(item), step="recover",
                             actor=controls.actor_of(None), detail={"lost_execution": item.execution_arn})
