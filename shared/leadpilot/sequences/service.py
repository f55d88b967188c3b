"""Sequence use cases, all through the automation runtime's own functions: create (validate, compile and
publish the flow), enrol (start a run), exit (stop the run), history (the runs) and stats (per step)."""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from leadpilot.api.cursors import decode_cursor, query_page, take_page
from leadpilot.automation import publishing
from leadpilot.automation.flows.compiler import initial_input
from leadpilot.automation.flows.matching import contact_of
from leadpilot.automation.runs import drafts, machines, opt_outs, runs, snapshot
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.automation.runs.models import EnrollmentItem, FlowItem, RunItem
from leadpilot.clock import now_iso
from leadpilot.email.models import EmailStatsItem
from leadpilot.email.outcomes import stats_pk
from leadpilot.errors import Conflict, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import logger, metrics
from leadpilot.sequences.compile import check_steps, step_of, to_flow
from leadpilot.sequences.models import SequenceExitItem, SequenceItem
from leadpilot.settings import Settings

COUNTERS = ("sent", "delivered", "opens", "clicks", "replies", "unsubscribes", "bounces")
ALWAYS_EXIT = {"email.replied": "replied", "email.unsubscribed": "unsubscribed", "email.bounced": "bounced"}
# The run outcome of each exit reason (a goal reached: goal_reached; by hand: cancelled).
_OUTCOMES = {"replied": "replied", "unsubscribed": "opted_out", "bounced": "bounced", "manual": "cancelled"}


def sequences_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#SEQUENCES"


def _view(item: SequenceItem) -> dict[str, Any]:
    return {"id": item.sequence_id, "name": item.name, "flow_id": item.flow_id, "created_at": item.created_at,
            **{k: v for k, v in json.loads(item.definition).items() if k != "name"}}


def _item(workspace_id: str, sequence_id: str) -> SequenceItem:
    try:
        return SequenceItem.get(sequences_pk(workspace_id), f"SEQ#{sequence_id}")
    except SequenceItem.DoesNotExist as exc:
        raise NotFound("sequence not found", {"field": "sequence_id"}) from exc


def create_sequence(settings: Settings, config: RuntimeConfig, identity: Identity, body: dict[str, Any]
                    ) -> dict[str, Any]:
    """Validate the steps, create the flow through the runtime (its validation too) and publish it."""
    check_steps(body["steps"])
    flow = drafts.create_flow(identity, to_flow(body))
    publishing.publish_flow(settings, config, identity, flow.id)
    sequence_id = new_id()
    item = SequenceItem(sequences_pk(identity.workspace_id), f"SEQ#{sequence_id}", sequence_id=sequence_id,
                        name=body["name"], definition=json.dumps(body), flow_id=flow.id, created_at=now_iso())
    item.save(condition=SequenceItem.PK.does_not_exist())
    metrics.add_metric(name="SequenceCreated", unit="Count", value=1)
    return _view(item)


def update_sequence(settings: Settings, config: RuntimeConfig, identity: Identity, sequence_id: str,
                    changes: dict[str, Any]) -> dict[str, Any]:
    """Replace parts of the definition and publish a new version of its flow; contacts already in the sequence
    keep the version they started (the runtime's versioning), new enrolments get the new one."""
    item = _item(identity.workspace_id, sequence_id)
    definition = {**json.loads(item.definition), **changes}
    check_steps(definition["steps"])
    drafts.update_flow(identity, item.flow_id, to_flow(definition))
    publishing.publish_flow(settings, config, identity, item.flow_id)
    item.update(actions=[SequenceItem.definition.set(json.dumps(definition)),
                         SequenceItem.name.set(definition["name"])])
    return _view(item)


def list_sequences(workspace_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the workspace's sequences, oldest first."""
    items, next_cursor = query_page(SequenceItem, sequences_pk(workspace_id), "SEQ#", limit, decode_cursor(cursor))
    return [_view(i) for i in items], next_cursor


def _all(workspace_id: str, after: str | None = None) -> Iterator[SequenceItem]:
    """The workspace's sequences in id order (after the sequence id `after`), read lazily."""
    start = {"PK": {"S": sequences_pk(workspace_id)}, "SK": {"S": f"SEQ#{after}"}} if after else None
    return SequenceItem.query(sequences_pk(workspace_id), SequenceItem.SK.startswith("SEQ#"), last_evaluated_key=start)


def get_sequence(workspace_id: str, sequence_id: str) -> dict[str, Any]:
    return _view(_item(workspace_id, sequence_id))


def _published(workspace_id: str, flow_id: str) -> drafts.PublishedFlow:
    item = FlowItem.get(drafts.flows_pk(workspace_id), f"FLOW#{flow_id}")
    return drafts.PublishedFlow(flow_id, int(item.published_version), str(item.state_machine_arn),
                               json.loads(item.published_trigger or "{}"))


def enroll(settings: Settings, identity: Identity, sequence_id: str, contact_ids: list[str]) -> dict[str, Any]:
    """Start a run of the sequence's flow for each contact (the runtime keeps one active run per contact)."""
    ws = identity.workspace_id
    sequence = _item(ws, sequence_id)
    flow = _published(ws, sequence.flow_id)
    results: list[dict[str, Any]] = []
    for contact_id in contact_ids:
        contact = snapshot.load(ws, contact_id)
        if contact is None:
            results.append({"contact_id": contact_id, "status": "not_found"})
            continue
        if not contact.email:
            results.append({"contact_id": contact_id, "status": "no_email"})
            continue
        event_id = f"enroll-{new_id()}"
        run = {"workspace_id": ws, "flow_id": flow.flow_id, "version": flow.version, "contact_id": contact_id}
        trigger = {"id": event_id, "type": "sequence.enrolled", "occurred_at": now_iso(),
                   "data": {"sequence_id": sequence_id, "by": identity.actor()}}
        payload = initial_input(run, snapshot.of(contact), trigger)
        run_id = runs.enroll(settings, ws, flow, contact_id, event_id, payload)
        results.append({"contact_id": contact_id, "status": "enrolled" if run_id else "already_enrolled",
                        "run_id": run_id})
    metrics.add_metric(name="SequenceEnrolled", unit="Count", value=sum(r["status"] == "enrolled" for r in results))
    return {"items": results}


def _active_run(workspace_id: str, flow_id: str, contact_id: str) -> RunItem | None:
    try:
        enrollment = EnrollmentItem.get(drafts.flow_pk(workspace_id, flow_id), f"CONTACT#{contact_id}")
    except EnrollmentItem.DoesNotExist:
        return None
    return runs.get_item(workspace_id, enrollment.run_id) if enrollment.active else None


def _stop(settings: Settings, item: RunItem, reason: str, event_id: str | None) -> bool:
    """Record why, then stop the run through the runtime (StopExecution + its run record); False if it ended."""
    status = runs.sync(settings, item).status
    if status not in ("running", "paused"):
        return False
    exit_item = SequenceExitItem(f"WS#{item.workspace_id}#SEQ_EXIT#{item.run_id}", "EXIT", reason=reason,
                                 event_id=event_id, created_at=now_iso())
    try:
        exit_item.save(condition=SequenceExitItem.PK.does_not_exist())
    except Exception:
        logger.info("sequence exit already recorded", extra={"run_id": item.run_id})
    if status == "running":
        machines.stop(settings.region, item.execution_arn, f"sequence exit: {reason}")
    runs.finish(settings, item, "cancelled", "LeadPilot.SequenceExit", f"exit: {reason}",
                outcome=_OUTCOMES.get(reason, "goal_reached"))
    metrics.add_metric(name="SequenceExited", unit="Count", value=1)
    return True


def exit_contact(settings: Settings, identity: Identity, sequence_id: str, contact_id: str) -> dict[str, Any]:
    """Take a contact out of a sequence by hand (409 when it is not in it)."""
    sequence = _item(identity.workspace_id, sequence_id)
    item = _active_run(identity.workspace_id, sequence.flow_id, contact_id)
    if item is None or not _stop(settings, item, "manual", None):
        raise Conflict("the contact is not in this sequence", {"field": "contact_id"})
    return {"contact_id": contact_id, "run_id": item.run_id, "status": "exited", "reason": "manual"}


def on_event(settings: Settings, event: dict[str, Any]) -> int:
    """An exit event (reply, unsubscribe, permanent bounce, or a sequence's goal): stop the contact's runs."""
    ws, event_type, contact_id = str(event["workspace_id"]), str(event["type"]), contact_of(event)
    if contact_id is None:
        return 0
    data = event.get("data") or {}
    if event_type == "email.bounced" and not data.get("permanent"):
        return 0
    stopped = 0
    for sequence in _all(ws):
        goals = json.loads(sequence.definition).get("goal_events") or []
        reason = ALWAYS_EXIT.get(event_type) or (f"goal:{event_type}" if event_type in goals else None)
        item = _active_run(ws, sequence.flow_id, contact_id) if reason else None
        if item is not None and reason and _stop(settings, item, reason, str(event.get("id"))):
            stopped += 1
    if event_type == "email.unsubscribed":  # an opt-out ends the contact's flow runs too (ADR 0011)
        stopped += opt_outs.on_event(settings, event)
    return stopped


def history(settings: Settings, workspace_id: str, contact_id: str, limit: int, cursor: str | None
            ) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the contact's sequences, in sequence order: its latest run of each (status, step, exit reason)."""
    entries = (_entry(settings, workspace_id, contact_id, s) for s in _all(workspace_id, decode_cursor(cursor)))
    return take_page((e for e in entries if e is not None), limit, lambda entry: str(entry["sequence_id"]))


def _entry(settings: Settings, workspace_id: str, contact_id: str, sequence: SequenceItem) -> dict[str, Any] | None:
    try:
        enrollment = EnrollmentItem.get(drafts.flow_pk(workspace_id, sequence.flow_id), f"CONTACT#{contact_id}")
    except EnrollmentItem.DoesNotExist:
        return None
    item = runs.get_item(workspace_id, enrollment.run_id)
    if item is None:
        return None
    run = runs.sync(settings, item)
    exit_reason = None
    with contextlib.suppress(SequenceExitItem.DoesNotExist):
        exit_reason = SequenceExitItem.get(f"WS#{workspace_id}#SEQ_EXIT#{run.id}", "EXIT").reason
    return {"sequence_id": sequence.sequence_id, "name": sequence.name, "run_id": run.id, "status": run.status,
            "current_node": run.current_node, "last_step": step_of(run.current_node), "exit_reason": exit_reason,
            "started_at": run.started_at, "ended_at": run.ended_at}


def _rates(counts: dict[str, int]) -> dict[str, float | None]:
    sent = counts["sent"]
    return {f"{k}_rate": (round(counts[k] / sent, 4) if sent else None) for k in COUNTERS if k != "sent"}


def stats(workspace_id: str, sequence_id: str) -> dict[str, Any]:
    """Counts and rates (of sent) per step and for the whole sequence; enrolled = runs started."""
    sequence = _item(workspace_id, sequence_id)
    steps = len(json.loads(sequence.definition)["steps"])
    per_node = {i.SK.removeprefix("NODE#"): i for i in
                EmailStatsItem.query(stats_pk(workspace_id, sequence.flow_id), EmailStatsItem.SK.startswith("NODE#"))}
    rows, total = [], dict.fromkeys(COUNTERS, 0)
    for step in range(1, steps + 1):
        item = per_node.get(f"send{step}")
        counts = {k: int(getattr(item, k) or 0) if item else 0 for k in COUNTERS}
        for k in COUNTERS:
            total[k] += counts[k]
        rows.append({"step": step, **counts, **_rates(counts)})
    enrolled = sum(1 for _ in RunItem.gsi1.query(runs.flow_runs_pk(workspace_id, sequence.flow_id)))
    return {"sequence_id": sequence_id, "enrolled": enrolled, "totals": {**total, **_rates(total)}, "steps": rows}
