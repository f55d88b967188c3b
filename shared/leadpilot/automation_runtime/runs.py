"""Run records: enrolling a contact (one named execution, never two active runs of a flow per contact),
following a run's node and end, listing, reading and cancelling runs."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from leadpilot.automation_runtime import machines
from leadpilot.automation_runtime.flows import PublishedFlow, flow_pk, get_flow
from leadpilot.automation_runtime.models import EnrollmentItem, RunItem
from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# A record whose execution Step Functions does not know is failed only after this long (see sync).
START_GRACE_S = 300
_ENDED = {"SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "timed_out", "ABORTED": "cancelled"}


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_pk(workspace_id: str, run_id: str) -> str:
    return f"WS#{workspace_id}#RUN#{run_id}"


def flow_runs_pk(workspace_id: str, flow_id: str) -> str:
    return f"WS#{workspace_id}#FLOW_RUNS#{flow_id}"


def run_id_for(workspace_id: str, flow_id: str, version: int, contact_id: str, event_id: str) -> str:
    """The run (and execution name) of one trigger event for one contact and flow version: a ULID-shaped
    digest, so the same event delivered twice names the same execution and starts nothing more."""
    digest = hashlib.sha256(f"{workspace_id}|{flow_id}|{version}|{contact_id}|{event_id}".encode()).digest()
    value = int.from_bytes(digest[:16], "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _run(item: RunItem) -> Run:
    return Run(id=item.run_id, flow_id=item.flow_id, version=int(item.version), contact_id=item.contact_id,
               trigger_event_id=item.trigger_event_id, status=item.status, current_node=item.current_node,
               error=item.error, cause=item.cause, started_at=item.started_at, updated_at=item.updated_at,
               ended_at=item.ended_at)


def get_item(workspace_id: str, run_id: str) -> RunItem | None:
    try:
        return RunItem.get(run_pk(workspace_id, run_id), "RUN")
    except RunItem.DoesNotExist:
        return None


def enroll(settings: Settings, workspace_id: str, flow: PublishedFlow, contact_id: str, event_id: str,
           payload: dict[str, Any], *, retried: bool = False) -> str | None:
    """Start the flow for the contact; returns the run id, or None when the contact may not enter now.

    The enrollment item and the run record are written in one conditional transaction before the execution
    starts, so a crash between them is repaired by the redelivered event (same run id, same execution name).
    """
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
                     GSI1PK=flow_runs_pk(workspace_id, flow.flow_id), GSI1SK=f"{now}#{run_id}")
    try:
        with transaction(settings) as txn:
            txn.save(enrollment, condition=condition)
            txn.save(record, condition=RunItem.PK.does_not_exist())
    except TransactWriteError:
        current = EnrollmentItem.get(enrollment.PK, enrollment.SK)
        if current.run_id == run_id:  # the same event again: make sure its execution exists, start nothing new
            machines.start(settings.region, flow.state_machine_arn, run_id, {**payload, "run": {
                **payload["run"], "run_id": run_id}})
            return None
        if current.active and not retried and _finished(settings, workspace_id, current.run_id):
            return enroll(settings, workspace_id, flow, contact_id, event_id, payload, retried=True)
        logger.info("contact not enrolled", extra={"flow_id": flow.flow_id, "contact_id": contact_id,
                                                    "active_run": current.run_id, "reason": "active or no re-entry"})
        return None
    machines.start(settings.region, flow.state_machine_arn, run_id, {**payload, "run": {**payload["run"],
                                                                                        "run_id": run_id}})
    metrics.add_metric(name="FlowEnrolled", unit="Count", value=1)
    return run_id


def _finished(settings: Settings, workspace_id: str, run_id: str) -> bool:
    """Bring a run record up to date with its execution; True when it has ended."""
    item = get_item(workspace_id, run_id)
    return item is None or sync(settings, item).status != "running"


def sync(settings: Settings, item: RunItem) -> Run:
    """A running record whose execution has ended is closed (status, error, end) and its contact released.

    Step Functions does not call back when a run ends on its own; this runs on every read of a running run,
    before an enrollment is refused, and on each Step Functions status-change event (AWS only).
    """
    if item.status != "running":
        return _run(item)
    described = machines.describe(settings.region, item.execution_arn)
    if described is None:  # not started yet (the trigger consumer is between its write and its start) or lost
        if _age_s(item.started_at) < START_GRACE_S:
            return _run(item)
        return finish(item, "failed", "LeadPilot.ExecutionMissing", "the run's execution was never started")
    status = _ENDED.get(str(described["status"]))
    if status is None:
        return _run(item)
    return finish(item, status, str(described.get("error") or "") or None, str(described.get("cause") or "") or None)


def _age_s(stamp: str) -> float:
    return (datetime.now(UTC) - datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()


def finish(item: RunItem, status: str, error: str | None = None, cause: str | None = None) -> Run:
    """Close a running record and release its contact's enrollment (idempotent)."""
    now = now_iso()
    try:
        actions: list[Any] = [RunItem.status.set(status), RunItem.ended_at.set(now), RunItem.updated_at.set(now)]
        actions += [RunItem.error.set(error)] if error else []
        actions += [RunItem.cause.set(cause[:2000])] if cause else []
        item.update(actions=actions, condition=RunItem.status == "running")
        metrics.add_metric(name=f"FlowRun{status.title().replace('_', '')}", unit="Count", value=1)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        item.refresh()
    try:
        EnrollmentItem(flow_pk(item.workspace_id, item.flow_id), f"CONTACT#{item.contact_id}").update(
            actions=[EnrollmentItem.active.set(False), EnrollmentItem.updated_at.set(now)],
            condition=EnrollmentItem.run_id == item.run_id)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    return _run(item)


def at_node(workspace_id: str, run_id: str, node: str) -> None:
    """Record the node a running run is at (the worker calls this for every action it receives)."""
    try:
        RunItem(run_pk(workspace_id, run_id), "RUN").update(
            actions=[RunItem.current_node.set(node), RunItem.updated_at.set(now_iso())],
            condition=RunItem.status == "running")
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def get_run(settings: Settings, identity: Identity, run_id: str) -> Run:
    item = get_item(identity.workspace_id, run_id)
    if item is None:
        raise NotFound("run not found", {"field": "run_id"})
    return sync(settings, item)


def list_runs(settings: Settings, identity: Identity, flow_id: str, limit: int,
              status: str | None = None) -> list[Run]:
    """The flow's runs, newest first (optionally of one status)."""
    get_flow(identity, flow_id)
    items = RunItem.gsi1.query(flow_runs_pk(identity.workspace_id, flow_id), scan_index_forward=False,
                               limit=limit * 4 if status else limit)
    runs = [sync(settings, i) for i in items if isinstance(i, RunItem)]
    return [r for r in runs if status is None or r.status == status][:limit]


def cancel_run(settings: Settings, identity: Identity, run_id: str) -> Run:
    """Stop a running run's execution; its contact may enter the flow again (if re-entry allows)."""
    run = get_run(settings, identity, run_id)
    if run.status != "running":
        raise Conflict(f"the run has already ended ({run.status})", {"field": "run_id", "status": run.status})
    item = get_item(identity.workspace_id, run_id)
    assert item is not None
    machines.stop(settings.region, item.execution_arn, f"cancelled by {identity.principal_type} "
                                                       f"{identity.principal_id}")
    return finish(item, "cancelled", "LeadPilot.Cancelled", "cancelled from the API")
