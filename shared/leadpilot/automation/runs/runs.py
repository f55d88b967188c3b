"""Run records: enrolling a contact (one named execution, never two active runs of a flow per contact),
moving a run between statuses with its listings and flow counters in one transaction, following its node,
state and end, listing and reading runs. Controls (pause, resume, ...) are in controls.py."""
from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from leadpilot.api.cursors import decode_cursor, encode_cursor
from leadpilot.automation.runs import machines, metrics, versions
from leadpilot.automation.runs.drafts import PublishedFlow, flow_pk, get_flow
from leadpilot.automation.runs.models import EnrollmentItem, RunIndexItem, RunItem
from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import NotFound
from leadpilot.events import outbox
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.ids import crockford, is_valid_id
from leadpilot.observability import logger
from leadpilot.observability import metrics as cloudwatch
from leadpilot.settings import Settings

# A record whose execution Step Functions does not know is left to the reconciler only after this long: the
# trigger consumer writes the record just before it starts the execution.
START_GRACE_S = 15
ACTIVE_PK = "ACTIVE_RUNS"
ENDED = ("succeeded", "failed", "cancelled", "timed_out")
_ENDED = {"SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "timed_out", "ABORTED": "cancelled"}
_STATE_LIMIT = 300_000  # bytes of {vars, nodes, loops} kept on the record (an item holds at most 400 KB)


@dataclass(frozen=True)
class Run:
    """A run as the API shows it."""

    id: str
    flow_id: str
    version: int
    contact_id: str
    trigger_event_id: str
    status: str
    current_node: str | None
    error: str | None
    cause: str | None
    started_at: str
    updated_at: str
    ended_at: str | None
    executions: int
    resume_node: str | None
    resume_until: str | None
    variables: dict[str, Any]
    last_error: dict[str, Any] | None
    outcome: str | None  # how an ended run ended (see `outcome_of`); None while it runs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_pk(workspace_id: str, run_id: str) -> str:
    return f"WS#{workspace_id}#RUN#{run_id}"


def flow_runs_pk(workspace_id: str, flow_id: str) -> str:
    return f"WS#{workspace_id}#FLOW_RUNS#{flow_id}"


def flow_status_pk(workspace_id: str, flow_id: str, status: str) -> str:
    return f"WS#{workspace_id}#FLOW_RUNS#{flow_id}#{status}"


def contact_runs_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#CONTACT_RUNS#{contact_id}"


def workspace_runs_pk(workspace_id: str, status: str | None = None) -> str:
    """The listing of every run of the workspace, or of those in one status."""
    return f"WS#{workspace_id}#RUNS" + (f"#{status}" if status else "")


def execution_name(run_id: str, count: int) -> str:
    """The name of a run's n-th execution: the run id, then <run id>-<n> for each restart."""
    return run_id if count <= 1 else f"{run_id}-{count}"


def machine_of(execution_arn: str) -> str:
    """The state machine ARN of an execution ARN."""
    head, _, _name = execution_arn.rpartition(":")
    return head.replace(":execution:", ":stateMachine:")


def run_id_for(workspace_id: str, flow_id: str, version: int, contact_id: str, event_id: str) -> str:
    """The run (and execution name) of one trigger event for one contact and flow version: a ULID-shaped
    digest, so the same event delivered twice names the same execution and starts nothing more."""
    digest = hashlib.sha256(f"{workspace_id}|{flow_id}|{version}|{contact_id}|{event_id}".encode()).digest()
    return crockford(int.from_bytes(digest[:16], "big"))


def state_of(item: RunItem) -> dict[str, Any]:
    """The run's {vars, nodes, loops} as last recorded."""
    state = json.loads(item.state or "{}")
    return {"vars": state.get("vars") or {}, "nodes": state.get("nodes") or {}, "loops": state.get("loops") or {}}


def state_json(context: dict[str, Any]) -> str:
    """The part of an execution's state a new execution carries, as JSON; node outputs are dropped if too big."""
    state = {key: context.get(key) or {} for key in ("vars", "nodes", "loops")}
    text = json.dumps(state, default=str)
    if len(text) > _STATE_LIMIT:
        state["nodes"] = {}
        text = json.dumps(state, default=str)
    return text


def outcome_of(item: RunItem) -> str | None:
    """The exit an ended run took: its End node's outcome, `opted_out`, else its status; None while active."""
    if item.status not in ENDED:
        return None
    return item.outcome or item.status  # records ended before outcomes were kept read as their status


def _run(item: RunItem) -> Run:
    return Run(id=item.run_id, flow_id=item.flow_id, version=int(item.version), contact_id=item.contact_id,
               trigger_event_id=item.trigger_event_id, status=item.status, current_node=item.current_node,
               error=item.error, cause=item.cause, started_at=item.started_at, updated_at=item.updated_at,
               ended_at=item.ended_at, executions=int(item.execution_count or 1), resume_node=item.resume_node,
               resume_until=item.resume_until, variables=state_of(item)["vars"],
               last_error=json.loads(item.last_error) if item.last_error else None, outcome=outcome_of(item))


def get_item(workspace_id: str, run_id: str) -> RunItem | None:
    try:
        return RunItem.get(run_pk(workspace_id, run_id), "RUN")
    except RunItem.DoesNotExist:
        return None


def need_item(identity: Identity, run_id: str) -> RunItem:
    item = get_item(identity.workspace_id, run_id)
    if item is None:
        raise NotFound("run not found", {"field": "run_id"})
    return item


def contact_items(workspace_id: str, contact_id: str) -> list[RunItem]:
    """Every run record of the contact, of every flow (its IDX#CONTACT listing; a contact has few runs)."""
    entries = RunIndexItem.gsi1.query(contact_runs_pk(workspace_id, contact_id))
    keys = [(run_pk(workspace_id, e.run_id), "RUN") for e in entries if isinstance(e, RunIndexItem)]
    return list(RunItem.batch_get(keys)) if keys else []


def _index(workspace_id: str, run_id: str, name: str, gsi1pk: str, gsi1sk: str) -> RunIndexItem:
    return RunIndexItem(run_pk(workspace_id, run_id), f"IDX#{name}", run_id=run_id, workspace_id=workspace_id,
                        GSI1PK=gsi1pk, GSI1SK=gsi1sk)


def _status_index(item: RunItem, status: str) -> RunIndexItem:
    return _index(item.workspace_id, item.run_id, "STATUS", flow_status_pk(item.workspace_id, item.flow_id, status),
                  f"{item.started_at}#{item.run_id}")


def _workspace_status_index(item: RunItem, status: str) -> RunIndexItem:
    return _index(item.workspace_id, item.run_id, "WS_STATUS", workspace_runs_pk(item.workspace_id, status),
                  f"{item.started_at}#{item.run_id}")


def _active_index(item: RunItem, execution_arn: str | None = None) -> RunIndexItem:
    entry = _index(item.workspace_id, item.run_id, "ACTIVE", ACTIVE_PK, f"{item.workspace_id}#{item.run_id}")
    entry.execution_arn = execution_arn or item.execution_arn
    return entry


@dataclass
class PlannedEnrolment:
    """The items that enrol one contact in one flow version for one trigger event, not yet written."""

    run_id: str
    start_input: dict[str, Any]
    enrollment: EnrollmentItem
    condition: Any  # on the enrollment: the contact holds no run of the flow (or, with re-entry, an ended one)
    record: RunItem
    listings: list[RunIndexItem]

    def write(self, txn: Any) -> None:
        """Save every item in `txn`; the flow's counters are the caller's (one update per transaction)."""
        txn.save(self.enrollment, condition=self.condition)
        txn.save(self.record, condition=RunItem.PK.does_not_exist())
        for listing in self.listings:
            txn.save(listing)


def plan_enrolment(workspace_id: str, flow: PublishedFlow, contact_id: str, event_id: str,
                   payload: dict[str, Any]) -> PlannedEnrolment:
    """The enrollment item, the run record and its listings of one contact's run (see enroll)."""
    run_id = run_id_for(workspace_id, flow.flow_id, flow.version, contact_id, event_id)
    execution_arn = flow.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{run_id}"
    now = now_iso()
    enrollment = EnrollmentItem(flow_pk(workspace_id, flow.flow_id), f"CONTACT#{contact_id}", run_id=run_id,
                                active=True, updated_at=now)
    condition = EnrollmentItem.PK.does_not_exist()
    if flow.trigger.get("reentry"):
        condition = condition | (EnrollmentItem.active == False)  # noqa: E712 - a pynamodb condition
    record = RunItem(run_pk(workspace_id, run_id), "RUN", run_id=run_id, workspace_id=workspace_id,
                     flow_id=flow.flow_id, version=flow.version, contact_id=contact_id, trigger_event_id=event_id,
                     execution_arn=execution_arn, status="running", started_at=now, updated_at=now,
                     execution_count=1, epoch=0, state=state_json(payload),
                     trigger=json.dumps(payload.get("trigger") or {}, default=str),
                     GSI1PK=flow_runs_pk(workspace_id, flow.flow_id), GSI1SK=f"{now}#{run_id}")
    listings = [_index(workspace_id, run_id, "CONTACT", contact_runs_pk(workspace_id, contact_id), f"{now}#{run_id}"),
                _index(workspace_id, run_id, "WORKSPACE", workspace_runs_pk(workspace_id), f"{now}#{run_id}"),
                _status_index(record, "running"), _workspace_status_index(record, "running"), _active_index(record)]
    start_input = {**payload, "run": {**payload["run"], "run_id": run_id}}
    return PlannedEnrolment(run_id, start_input, enrollment, condition, record, listings)


def start_execution(settings: Settings, workspace_id: str, flow: PublishedFlow, plan: PlannedEnrolment) -> None:
    """Start the planned run's execution (named by its run id: a second start is a no-op)."""

    def restore() -> bool:
        return versions.restore_machine(settings.region, workspace_id, flow.flow_id, flow.version)

    machines.start(settings.region, flow.state_machine_arn, plan.run_id, plan.start_input, restore)


def enroll(settings: Settings, workspace_id: str, flow: PublishedFlow, contact_id: str, event_id: str,
           payload: dict[str, Any], *, retried: bool = False) -> str | None:
    """Start the flow for the contact; returns the run id, or None when the contact may not enter now.

    The enrollment item, the run record, its listings and the flow's counters are written in one conditional
    transaction before the execution starts, so a crash between them is repaired by the redelivered event
    (same run id, same execution name) or by the reconciler.
    """
    plan = plan_enrolment(workspace_id, flow, contact_id, event_id, payload)
    try:
        with transaction(settings) as txn:
            plan.write(txn)
            txn.update(metrics.flow_metrics_item(workspace_id, flow.flow_id),
                       actions=metrics.status_actions(None, "running"))
    except TransactWriteError:
        current = EnrollmentItem.get(plan.enrollment.PK, plan.enrollment.SK)
        if current.run_id == plan.run_id:  # the same event again: make sure its execution exists, start nothing new
            existing = get_item(workspace_id, plan.run_id)
            if existing is not None and int(existing.execution_count or 1) == 1:
                start_execution(settings, workspace_id, flow, plan)
            return None
        if current.active and not retried and _finished(settings, workspace_id, current.run_id):
            return enroll(settings, workspace_id, flow, contact_id, event_id, payload, retried=True)
        logger.info("contact not enrolled", extra={"flow_id": flow.flow_id, "contact_id": contact_id,
                                                    "active_run": current.run_id, "reason": "active or no re-entry"})
        return None
    start_execution(settings, workspace_id, flow, plan)
    cloudwatch.add_metric(name="FlowEnrolled", unit="Count", value=1)
    return plan.run_id


def _finished(settings: Settings, workspace_id: str, run_id: str) -> bool:
    """Bring a run record up to date with its execution; True when it has ended."""
    item = get_item(workspace_id, run_id)
    return item is None or sync(settings, item).status in ENDED


def move(settings: Settings, item: RunItem, to: str, actions: list[Any], *, condition: Any = None,
         enrollment: bool | None = None, execution_arn: str | None = None, event: ActivityItem | None = None,
         outcome: str | None = None) -> bool:
    """Change a run's status (and more) in one transaction with its status listing, the reconciler's list
    and the flow's counters; `enrollment` True/False takes/releases the contact's enrollment in it too;
    `execution_arn` switches the run to a new execution; `event` (a domain event item) is saved with it and
    published after the commit; `outcome` (an ending) is kept on the record and counted per outcome, and a
    run leaving an ended status (restart) takes its old outcome out of the counts.

    The record must still have the status (and pass `condition`) it was read with: False when another
    writer moved it first (the item is refreshed).
    """
    before, now = item.status, now_iso()
    guard = RunItem.status == before
    if condition is not None:
        guard = guard & condition
    if execution_arn:
        actions = [*actions, RunItem.execution_arn.set(execution_arn)]
    counted: dict[str, int] = {}
    if to != before and before in ENDED and item.outcome:
        counted[str(item.outcome)] = -1
    if to != before:
        actions = [*actions, RunItem.outcome.set(outcome) if outcome else RunItem.outcome.remove()]
        if outcome:
            counted[outcome] = counted.get(outcome, 0) + 1
    try:
        with transaction(settings) as txn:
            txn.update(item, actions=[RunItem.status.set(to), RunItem.updated_at.set(now), *actions], condition=guard)
            if to == "running" and (to != before or execution_arn):
                txn.save(_active_index(item, execution_arn))
            elif before == "running" and to != before:
                txn.delete(_active_index(item))
            if to != before:
                txn.save(_status_index(item, to))
                txn.save(_workspace_status_index(item, to))
                txn.update(metrics.flow_metrics_item(item.workspace_id, item.flow_id),
                           actions=metrics.status_actions(before, to))
            for name, delta in counted.items():
                if not delta:
                    continue
                counter, adds = metrics.outcome_update(item.workspace_id, item.flow_id, name, delta)
                txn.update(counter, actions=adds)
            if event is not None:
                txn.save(event)
            if enrollment is not None:
                entry = EnrollmentItem(flow_pk(item.workspace_id, item.flow_id), f"CONTACT#{item.contact_id}")
                if enrollment:  # no other run of the flow may be active for the contact
                    txn.update(entry, actions=[EnrollmentItem.active.set(True), EnrollmentItem.run_id.set(item.run_id),
                                               EnrollmentItem.updated_at.set(now)],
                               condition=(EnrollmentItem.run_id == item.run_id) | (EnrollmentItem.active == False))  # noqa: E712
                else:
                    txn.update(entry, actions=[EnrollmentItem.active.set(False), EnrollmentItem.updated_at.set(now)])
    except TransactWriteError as exc:
        logger.info("run changed meanwhile", extra={"run_id": item.run_id, "to": to, "reason": str(exc)[:200]})
        item.refresh()
        return False
    item.refresh()
    if event is not None:
        outbox.publish_now(settings, [event])
    return True


def sync(settings: Settings, item: RunItem) -> Run:
    """A running record whose execution has ended is closed (status, error, end) and its contact released.

    Step Functions does not call back when a run ends on its own; it reports the end as a status-change event
    (on AWS and on the local cloud), and this runs on each of them, on every read of one running run, before an
    enrollment is refused, and in the reconciler (a lost event). Listings show the records as they are.
    A running record whose execution is missing is left as it is: the reconciler restarts it.
    """
    if item.status != "running":
        return _run(item)
    return _synced(settings, item, machines.describe(settings.region, item.execution_arn))


def _synced(settings: Settings, item: RunItem, described: dict[str, Any] | None) -> Run:
    """A running record closed when its execution (as just described) has ended."""
    if described is None:
        return _run(item)
    status = _ENDED.get(str(described["status"]))
    if status is None:
        return _run(item)
    return finish(settings, item, status, str(described.get("error") or "") or None,
                  str(described.get("cause") or "") or None, outcome=_end_reached(described))


def _end_reached(described: dict[str, Any]) -> str | None:
    """The outcome a succeeded execution's End node wrote to its output (machines compiled before outcomes: None)."""
    if described.get("status") != "SUCCEEDED":
        return None
    try:
        output = json.loads(described.get("output") or "{}")
    except ValueError:
        return None
    outcome = output.get("outcome") if isinstance(output, dict) else None
    return outcome if isinstance(outcome, str) and outcome else None


def age_s(stamp: str) -> float:
    return (datetime.now(UTC) - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()


def finish(settings: Settings, item: RunItem, status: str, error: str | None = None,
           cause: str | None = None, *, outcome: str | None = None) -> Run:
    """Close a running record and release its contact's enrollment (idempotent); see `end`."""
    end(settings, item, status, error, cause, outcome=outcome)
    return _run(item)


def end(settings: Settings, item: RunItem, status: str, error: str | None = None, cause: str | None = None, *,
        outcome: str | None = None) -> bool:
    """Close a running or paused record with its outcome (default: the status) and release its contact's
    enrollment; True when this call closed it (False: it had ended, or another writer moved it first).

    Step Functions may drop a task failure's cause (moto does): a failed run then keeps the reason its last
    failed action recorded, so a failure always says why.
    """
    if status == "failed" and not cause and item.last_error:
        last = json.loads(item.last_error)
        error, cause = error or last.get("error"), f"{last.get('node')}: {last.get('cause')}"
    now, outcome = now_iso(), outcome or status
    actions: list[Any] = [RunItem.ended_at.set(now)]
    actions += [RunItem.error.set(error)] if error else []
    actions += [RunItem.cause.set(cause[:2000])] if cause else []
    ended = event_item(item.workspace_id, {"type": "system", "id": f"automation:{item.flow_id}:{item.run_id}"},
                       "automation.run_ended", {
                           "run_id": item.run_id, "flow_id": item.flow_id, "version": int(item.version),
                           "contact_id": item.contact_id, "status": status, "outcome": outcome, "error": error,
                           "cause": cause[:2000] if cause else None, "node": item.current_node,
                           "started_at": item.started_at, "ended_at": now}, contact_id=item.contact_id)
    if item.status in ("running", "paused") and move(settings, item, status, actions, enrollment=False,
                                                     event=ended, outcome=outcome):
        cloudwatch.add_metric(name=f"FlowRun{status.title().replace('_', '')}", unit="Count", value=1)
        return True
    return False


def is_paused(workspace_id: str, run_id: str) -> bool:
    """Whether the run is paused now (an answer to its wait is then kept for when it resumes)."""
    try:
        return RunItem.get(run_pk(workspace_id, run_id), "RUN", consistent_read=True).status == "paused"
    except RunItem.DoesNotExist:
        return False


def hold_if_paused(workspace_id: str, wait: Any, output: dict[str, Any]) -> bool:
    """A callback wait (handoff, wait for event) answered while its run is paused keeps its first answer in
    `held` for when the run resumes; True when it was kept (the run is paused)."""
    if not is_paused(workspace_id, wait.run_id):
        return False
    held = type(wait).held
    with suppress(UpdateError):  # answered twice: the first answer counts
        wait.update(actions=[held.set(json.dumps(output))], condition=held.does_not_exist())
    return True


def answer_held(region: str, wait: Any, token: str) -> bool:
    """Park-time: a wait answered while its run was paused answers the resumed execution's token at once (and
    is dropped); False when it holds no answer."""
    if not wait.held or not machines.succeed(region, token, json.loads(wait.held)):
        return False
    wait.delete()
    return True


def at_node(workspace_id: str, run_id: str, node: str, context: dict[str, Any]) -> None:
    """Record the node a running run is at and its state there (the worker calls this for every action)."""
    try:
        RunItem(run_pk(workspace_id, run_id), "RUN").update(
            actions=[RunItem.current_node.set(node), RunItem.state.set(state_json(context)),
                     RunItem.updated_at.set(now_iso())],
            condition=RunItem.status == "running")
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def note_failure(workspace_id: str, run_id: str, node: str, error: str, cause: str) -> None:
    """Keep a failed action's reason on the run (shown while it takes the error path, and if it fails)."""
    last = json.dumps({"node": node, "error": error, "cause": cause[:2000], "at": now_iso()})
    RunItem(run_pk(workspace_id, run_id), "RUN").update(actions=[RunItem.last_error.set(last)],
                                                        condition=RunItem.PK.exists())


def get_run(settings: Settings, identity: Identity, run_id: str) -> Run:
    return sync(settings, need_item(identity, run_id))


def _page(items: list[RunItem], limit: int, more: bool) -> dict[str, Any]:
    cursor = encode_cursor(f"{items[-1].started_at}#{items[-1].run_id}") if more and items else None
    return {"items": items[:limit], "next_cursor": cursor}


def _valid_position(value: str) -> bool:
    stamp, _, run_id = value.rpartition("#")
    return bool(stamp) and is_valid_id(run_id)


def _start_key(pk: str, sk: str, gsi1pk: str, cursor: str | None) -> dict[str, Any] | None:
    position = decode_cursor(cursor, _valid_position)
    if position is None:
        return None
    run_id = position.rpartition("#")[2]
    return {"PK": {"S": pk.replace("{run}", run_id)}, "SK": {"S": sk}, "GSI1PK": {"S": gsi1pk},
            "GSI1SK": {"S": position}}


def list_runs(identity: Identity, flow_id: str, limit: int, status: str | None = None,
              cursor: str | None = None) -> dict[str, Any]:
    """The flow's runs, newest first, optionally of one status (its own listing: no filtering)."""
    get_flow(identity, flow_id)
    ws = identity.workspace_id
    if status is None:
        gsi1pk, sk = flow_runs_pk(ws, flow_id), "RUN"
    else:
        gsi1pk, sk = flow_status_pk(ws, flow_id, status), "IDX#STATUS"
    return _listed(ws, gsi1pk, sk, limit, cursor, status)


def list_contact_runs(identity: Identity, contact_id: str, limit: int,
                      status: str | None = None, cursor: str | None = None, flow_id: str | None = None
                      ) -> dict[str, Any]:
    """A contact's runs of every flow, newest first (a status or flow narrows the page: a contact has few runs)."""
    return _listed(identity.workspace_id, contact_runs_pk(identity.workspace_id, contact_id),
                   "IDX#CONTACT", limit, cursor, status, flow_id)


def find_runs(identity: Identity, limit: int, cursor: str | None = None, *,
              status: str | None = None, flow_id: str | None = None, contact_id: str | None = None
              ) -> dict[str, Any]:
    """The workspace's runs, newest first, narrowed to a contact, a flow and/or a status."""
    if contact_id is not None:
        return list_contact_runs(identity, contact_id, limit, status, cursor, flow_id)
    if flow_id is not None:
        return list_runs(identity, flow_id, limit, status, cursor)
    ws = identity.workspace_id
    sk = "IDX#WORKSPACE" if status is None else "IDX#WS_STATUS"
    return _listed(ws, workspace_runs_pk(ws, status), sk, limit, cursor, status)


def _listed(ws: str, gsi1pk: str, sk: str, limit: int, cursor: str | None,
            status: str | None, flow_id: str | None = None) -> dict[str, Any]:
    start = _start_key(f"WS#{ws}#RUN#{{run}}", sk, gsi1pk, cursor)
    query = RunItem.gsi1.query if sk == "RUN" else RunIndexItem.gsi1.query
    found = list(query(gsi1pk, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start))
    more = len(found) > limit
    found = found[:limit]
    if sk == "RUN":
        items = [i for i in found if isinstance(i, RunItem)]
    else:
        keys = [(run_pk(ws, i.run_id), "RUN") for i in found if isinstance(i, RunIndexItem)]
        by_id = {i.run_id: i for i in RunItem.batch_get(keys)}
        items = [by_id[i.run_id] for i in found if isinstance(i, RunIndexItem) and i.run_id in by_id]
    page = _page(items, limit, more)
    runs = [_run(item) for item in page["items"]]  # no describes: status-change events close ended runs (`sync`)
    narrowed = sk == "IDX#CONTACT"  # the only listing filtered after reading
    keep = [r.to_dict() for r in runs if not narrowed or ((status is None or r.status == status)
                                                           and (flow_id is None or r.flow_id == flow_id))]
    return {"items": keep, "next_cursor": page["next_cursor"]}
