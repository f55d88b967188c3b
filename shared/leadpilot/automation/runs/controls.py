"""Run controls: pause, resume, skip the current step, restart from a node, cancel; one run or in bulk.

Mechanism (ARCHITECTURE §7, ADR 0011): stop the execution, then start a new named execution
(<run id>-<n>) of the same version with `start_at` = the node and the run's variables; the run record
(same id) moves first, so the worker refuses whatever the old execution still sends.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from leadpilot.automation.flows.compiler import REST, initial_input
from leadpilot.automation.flows.model import CALLBACK_TYPES, NEXT, Flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs import machines, replies, runs, snapshot, step_log, versions
from leadpilot.automation.runs.models import FlowVersionItem, RunItem
from leadpilot.automation.runs.runs import Run
from leadpilot.errors import Conflict, DomainError, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.observability import metrics
from leadpilot.settings import Settings

ACTIONS = ("pause", "resume", "skip", "restart", "cancel")
BULK_MAX = 100
_CLOSED_AS = {"skip": "skipped", "restart": "stopped"}  # the old execution's wait entries in the step log
_METRIC = {"resume": "FlowRunResumed", "skip": "FlowRunSkipped", "restart": "FlowRunRestarted",
           "recover": "FlowRunRecovered"}


def actor_of(identity: Identity | None) -> str:
    return f"{identity.principal_type}:{identity.principal_id}" if identity is not None else "system:reconciler"


def version_of(item: RunItem) -> tuple[Flow, str]:
    """The run's flow version (as published) and its state machine."""
    try:
        version = FlowVersionItem.get(f"WS#{item.workspace_id}#FLOW#{item.flow_id}", f"VERSION#{int(item.version):06d}")
    except FlowVersionItem.DoesNotExist as exc:
        raise Conflict("the run's flow version no longer exists", {"field": "run_id"}) from exc
    return validate_flow(json.loads(version.document)), str(version.state_machine_arn)


class Position(NamedTuple):
    """Where a running run is: its node, its state there, when it entered that node's state, and whether it is
    waiting out the rest of a delay it was resumed in (`@rest`)."""

    node: str | None
    state: dict[str, Any]
    entered_at: datetime | None = None
    resting: bool = False


def position(settings: Settings, item: RunItem) -> Position:
    """Where a running run is now: the last state its execution entered (Step Functions' history), else the
    last node and state the worker recorded."""
    for event in reversed(machines.history(settings.region, item.execution_arn, newest=20)):
        entered = event.get("stateEnteredEventDetails")
        if not entered:
            continue
        name, state = str(entered["name"]), json.loads(entered.get("input") or "{}")
        at = event.get("timestamp") if isinstance(event.get("timestamp"), datetime) else None
        if name in ("@dispatch", REST):
            return Position(state.get("start_at"), state, resting=name == REST)
        if not name.startswith("@"):
            return Position(name.split("@")[0], state, at)
        break
    return Position(item.current_node, runs.state_of(item))


def _delay_ends(settings: Settings, item: RunItem, where: Position) -> str | None:
    """When the fixed delay a run is paused in would have ended (None: not paused in one): resume waits only
    what is left of it. A run waiting out the rest of a delay (`@rest`) keeps that end."""
    if where.resting and where.state.get("resume_until"):
        return str(where.state["resume_until"])
    if where.node is None or where.entered_at is None:
        return None
    flow, machine_arn = version_of(item)
    if where.node not in flow.nodes or flow.nodes[where.node].type != "delay":
        return None
    seconds = machines.wait_seconds(settings.region, machine_arn, where.node)
    if seconds is None:
        return None
    return (where.entered_at.astimezone(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fresh_running(settings: Settings, identity: Identity, run_id: str) -> RunItem:
    item = runs.need_item(identity, run_id)
    runs.sync(settings, item)
    return item


def _ended(item: RunItem) -> Conflict:
    return Conflict(f"the run has already ended ({item.status})", {"field": "run_id", "status": item.status})


def relaunch(settings: Settings, item: RunItem, node: str | None, state: dict[str, Any], *, step: str, actor: str,
             redo: bool = False, detail: dict[str, Any] | None = None, resume_until: str | None = None) -> Run:
    """Start the run's next execution at `node` (None: the flow's first node) carrying `state`; the record
    moves first (conditional on the execution it was read with), then the old execution is stopped."""
    flow, published_arn = version_of(item)
    machine_arn = machines.entry_machine(published_arn)  # it can start at `node`; the version's own starts at the first
    if node is not None and (node not in flow.nodes or flow.nodes[node].type == "trigger"):
        raise ValidationFailed.field("node", f"'{node}' is not a node of version {int(item.version)} of the flow")
    contact = snapshot.load(item.workspace_id, item.contact_id)
    if contact is None:
        raise Conflict("the run's contact no longer exists", {"field": "run_id"})
    count, before, old_arn = int(item.execution_count or 1), item.status, item.execution_arn
    name = runs.execution_name(item.run_id, count + 1)
    arn = machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    epoch = int(item.epoch or 0) + (1 if redo else 0)
    clean = {key: state.get(key) or {} for key in ("vars", "nodes", "loops")}
    actions: list[Any] = [RunItem.execution_count.set(count + 1),
                          RunItem.epoch.set(epoch), RunItem.state.set(runs.state_json(clean)),
                          RunItem.resume_node.remove(), RunItem.resume_until.remove(), RunItem.ended_at.remove(),
                          RunItem.error.remove(), RunItem.cause.remove()]
    actions += [RunItem.current_node.set(node)] if node else []
    if not runs.move(settings, item, "running", actions, condition=RunItem.execution_count == count,
                     enrollment=True if before in runs.ENDED else None, execution_arn=arn):
        raise Conflict("the run changed meanwhile, or its contact is in another run of the flow; reload it",
                       {"field": "run_id"})
    if before == "running":
        machines.stop(settings.region, old_arn, f"{step} by {actor}", error=f"LeadPilot.{step.title()}")
    if before == "running" or step in _CLOSED_AS:  # a recovered or resumed wait parks again under its entry
        replies.forget(item.workspace_id, item.contact_id, item.run_id, closed_as=_CLOSED_AS.get(step))
    run = {"workspace_id": item.workspace_id, "flow_id": item.flow_id, "version": int(item.version),
           "contact_id": item.contact_id, "run_id": item.run_id, "epoch": epoch}
    machines.start(settings.region, machine_arn, name, initial_input(
        run, snapshot.of(contact), json.loads(item.trigger or "{}"), start_at=node, variables=clean["vars"],
        nodes=clean["nodes"], loops=clean["loops"], resume_until=resume_until),
        lambda: versions.restore_machine(settings.region, item.workspace_id, item.flow_id, int(item.version),
                                         entry=True))
    step_log.record(item, step, actor, node, **(detail or {}))
    metrics.add_metric(name=_METRIC[step], unit="Count", value=1)
    return runs.sync(settings, item)


def pause(settings: Settings, identity: Identity | None, run_id: str, *, item: RunItem | None = None,
          actor: str | None = None) -> Run:
    """Stop the run's execution and remember where it was; resume starts it there again. `actor` names a system
    pausing it (default: the identity)."""
    item = item or _fresh_running(settings, identity, run_id)  # type: ignore[arg-type]
    actor = actor or actor_of(identity)
    if item.status != "running":
        raise Conflict(f"only a running run can be paused (it is {item.status})", {"field": "run_id",
                                                                                  "status": item.status})
    where = position(settings, item)
    node, state, ends = where.node, where.state, _delay_ends(settings, item, where)
    count = int(item.execution_count or 1)
    if not runs.move(settings, item, "paused", [RunItem.resume_node.set(node or ""), RunItem.state.set(
            runs.state_json(state))] + ([RunItem.current_node.set(node)] if node else [])
            + ([RunItem.resume_until.set(ends)] if ends else [RunItem.resume_until.remove()]),
            condition=RunItem.execution_count == count):
        raise Conflict("the run changed meanwhile; reload it", {"field": "run_id"})
    machines.stop(settings.region, item.execution_arn, f"paused by {actor}", error="LeadPilot.Paused")
    replies.forget(item.workspace_id, item.contact_id, item.run_id)  # its wait parks again on resume
    step_log.record(item, "pause", actor, node)
    metrics.add_metric(name="FlowRunPaused", unit="Count", value=1)
    return runs.sync(settings, item)


def resume(settings: Settings, identity: Identity | None, run_id: str, *, item: RunItem | None = None,
           actor: str | None = None) -> Run:
    """Start a paused run again at the node it was paused at, with its variables."""
    item = item or runs.need_item(identity, run_id)  # type: ignore[arg-type]
    if item.status != "paused":
        raise Conflict(f"only a paused run can be resumed (it is {item.status})", {"field": "run_id",
                                                                                  "status": item.status})
    return relaunch(settings, item, item.resume_node or None, runs.state_of(item), step="resume",
                    actor=actor or actor_of(identity), resume_until=item.resume_until if item.resume_node else None)


def next_node(flow: Flow, node: str, label: str | None) -> str:
    """The node after `node` along `label` (default: its only way on; a wait's timeout; an action's next)."""
    out = flow.outgoing(node)
    if label is None:
        if NEXT in out:
            label = NEXT
        elif flow.nodes[node].type in CALLBACK_TYPES:
            label = "timeout"
        elif len(out) == 1:
            label = next(iter(out))
        else:
            raise ValidationFailed.field("label", f"node '{node}' has several ways on ({', '.join(sorted(out))}); "
                                                  "say which one to take")
    if label not in out:
        raise ValidationFailed.field("label", f"node '{node}' has no outgoing edge labelled '{label}'"
                                              f" (it has: {', '.join(sorted(out)) or 'none'})")
    return out[label]


def skip(settings: Settings, identity: Identity | None, run_id: str, label: str | None = None, *,
         item: RunItem | None = None) -> Run:
    """Start the run at the node after its current one (a paused run too: it runs again)."""
    item = item or _fresh_running(settings, identity, run_id)  # type: ignore[arg-type]
    if item.status == "running":
        node, state = position(settings, item)[:2]
    elif item.status == "paused":
        node, state = item.resume_node or None, runs.state_of(item)
    else:
        raise _ended(item)
    flow, _ = version_of(item)
    current = node or flow.first_node
    target = next_node(flow, current, label)
    return relaunch(settings, item, target, state, step="skip", actor=actor_of(identity),
                    detail={"skipped": current})


def restart(settings: Settings, identity: Identity | None, run_id: str, node: str, *,
            item: RunItem | None = None) -> Run:
    """Run again from `node` with the run's variables; its actions are performed again (not replayed).
    An ended run may be restarted when its contact is in no other active run of the flow."""
    item = item or _fresh_running(settings, identity, run_id)  # type: ignore[arg-type]
    state = position(settings, item)[1] if item.status == "running" else runs.state_of(item)
    return relaunch(settings, item, node, state, step="restart", actor=actor_of(identity), redo=True)


def cancel(settings: Settings, identity: Identity | None, run_id: str, *, item: RunItem | None = None) -> Run:
    """Stop a running or paused run; its contact may enter the flow again (if re-entry allows)."""
    item = item or _fresh_running(settings, identity, run_id)  # type: ignore[arg-type]
    if item.status in runs.ENDED:
        raise _ended(item)
    if item.status == "running":
        machines.stop(settings.region, item.execution_arn, f"cancelled by {actor_of(identity)}")
    replies.forget(item.workspace_id, item.contact_id, item.run_id, closed_as="cancelled")
    run = runs.finish(settings, item, "cancelled", "LeadPilot.Cancelled", f"cancelled by {actor_of(identity)}")
    step_log.record(item, "cancel", actor_of(identity), item.current_node)
    return run


def apply(settings: Settings, identity: Identity, action: str, run_id: str, *, node: str | None = None,
          label: str | None = None, item: RunItem | None = None) -> Run:
    """One control by name (the bulk route's dispatcher)."""
    if action == "pause":
        return pause(settings, identity, run_id, item=item)
    if action == "resume":
        return resume(settings, identity, run_id, item=item)
    if action == "skip":
        return skip(settings, identity, run_id, label, item=item)
    if action == "restart":
        if not node:
            raise ValidationFailed.field("node", "is required to restart")
        return restart(settings, identity, run_id, node, item=item)
    return cancel(settings, identity, run_id, item=item)


def bulk(settings: Settings, identity: Identity, flow_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Apply one control to runs of a flow chosen by id or by status (at most BULK_MAX); a result per run.

    By status, `more` says further runs matched; controls that take runs out of the status (pause running runs,
    resume paused ones, cancel) just call again, others (skip) pass `next_cursor` back as `cursor`."""
    action, limit = body["action"], int(body.get("limit") or BULK_MAX)
    if action == "restart" and not body.get("node"):
        raise ValidationFailed.field("node", "is required to restart")
    if "run_ids" in body:
        items = [runs.get_item(identity.workspace_id, run_id) for run_id in body["run_ids"]]
        chosen = [(run_id, i if i is not None and i.flow_id == flow_id else None)
                  for run_id, i in zip(body["run_ids"], items, strict=True)]
        more, cursor = False, None
    else:
        page = runs.list_runs(identity, flow_id, limit, body["status"], body.get("cursor"))
        chosen = [(r["id"], runs.get_item(identity.workspace_id, r["id"])) for r in page["items"]
                  if r["status"] == body["status"]]
        more, cursor = page["next_cursor"] is not None, page["next_cursor"]
    results = []
    for run_id, item in chosen:
        try:
            if item is None:
                raise NotFound("run not found in this flow", {"field": "run_ids"})
            run = apply(settings, identity, action, run_id, node=body.get("node"), label=body.get("label"), item=item)
            results.append({"run_id": run_id, "ok": True, "status": run.status, "current_node": run.current_node})
        except DomainError as exc:
            results.append({"run_id": run_id, "ok": False, "error": {"code": exc.code, "message": exc.message}})
    done = sum(1 for r in results if r["ok"])
    return {"action": action, "matched": len(results), "succeeded": done, "failed": len(results) - done,
            "more": more, "next_cursor": cursor, "results": results}
