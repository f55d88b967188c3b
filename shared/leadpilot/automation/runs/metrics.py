"""Per-flow run metrics: runs by status (moved in the status-change transactions of runs.py) and per-node
counters (ADD as the worker performs nodes). Read with one query of the flow's partition."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.automation.runs.drafts import flow_pk, get_flow
from leadpilot.automation.runs.models import FlowMetricsItem, NodeMetricsItem, OutcomeMetricsItem
from leadpilot.db.base import CrmModel
from leadpilot.identity.entities import Identity
from leadpilot.observability import logger

STATUSES = ("running", "paused", "succeeded", "failed", "cancelled", "timed_out")
_ATTRIBUTES = {name: getattr(FlowMetricsItem, name) for name in (*STATUSES, "enrolled")}


def flow_metrics_item(workspace_id: str, flow_id: str) -> FlowMetricsItem:
    return FlowMetricsItem(flow_pk(workspace_id, flow_id), "METRICS")


def status_actions(before: str | None, after: str, runs: int = 1) -> list[Any]:
    """The ADD actions that move `runs` runs from `before` (None: new runs) to `after`."""
    actions: list[Any] = [FlowMetricsItem.kind.set(FlowMetricsItem)]
    if before is None:
        actions.append(_ATTRIBUTES["enrolled"].add(runs))
    else:
        actions.append(_ATTRIBUTES[before].add(-runs))
    actions.append(_ATTRIBUTES[after].add(runs))
    return actions


def outcome_update(workspace_id: str, flow_id: str, outcome: str, delta: int) -> tuple[OutcomeMetricsItem, list[Any]]:
    """The item and ADD actions that count one run more (or less) under an outcome (for a transaction)."""
    item = OutcomeMetricsItem(flow_pk(workspace_id, flow_id), f"METRICS#OUTCOME#{outcome}")
    return item, [OutcomeMetricsItem.kind.set(OutcomeMetricsItem), OutcomeMetricsItem.outcome.set(outcome),
                  OutcomeMetricsItem.runs.add(delta)]


def node_counted(workspace_id: str, flow_id: str, node: str, counter: str) -> None:
    """Add one to a node's `entered` or `failed` counter (a lost count is logged, never fails the action)."""
    attribute = NodeMetricsItem.entered if counter == "entered" else NodeMetricsItem.failed
    try:
        NodeMetricsItem(flow_pk(workspace_id, flow_id), f"METRICS#NODE#{node}").update(actions=[
            NodeMetricsItem.kind.set(NodeMetricsItem), NodeMetricsItem.node.set(node), attribute.add(1)])
    except UpdateError:
        logger.exception("node counter not updated", extra={"flow_id": flow_id, "node": node})


def flow_metrics(identity: Identity, flow_id: str) -> dict[str, Any]:
    """Enrolled, active (running + paused), completed, failed, ..., ended runs per exit (`by_outcome`: replied,
    max_follow_ups, opted_out, failed, ...) and per-node counts of one flow."""
    get_flow(identity, flow_id)
    counts = dict.fromkeys((*STATUSES, "enrolled"), 0)
    nodes: dict[str, dict[str, int]] = {}
    outcomes: dict[str, int] = {}
    for item in CrmModel.query(flow_pk(identity.workspace_id, flow_id), CrmModel.SK.startswith("METRICS")):
        if isinstance(item, FlowMetricsItem):
            counts.update({name: int(getattr(item, name) or 0) for name in counts})
        elif isinstance(item, NodeMetricsItem):
            nodes[item.node] = {"entered": int(item.entered or 0), "failed": int(item.failed or 0)}
        elif isinstance(item, OutcomeMetricsItem) and int(item.runs or 0) > 0:
            outcomes[item.outcome] = int(item.runs)
    return {"flow_id": flow_id, "enrolled": counts["enrolled"], "active": counts["running"] + counts["paused"],
            "completed": counts["succeeded"], "failed": counts["failed"] + counts["timed_out"],
            "by_status": {name: counts[name] for name in STATUSES}, "by_outcome": outcomes, "nodes": nodes}
