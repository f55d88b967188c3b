"""The action worker: performs one action of a run, once, then answers its task token.

Idempotency key: (run, state, attempt, loop pass, restart epoch) as a conditional marker item, which is also the
action's entry in the run's step log. A redelivered message whose action is done replays the recorded output; one
that failed for good replays the failure. Permanent failures (bad data: 4xx domain errors) answer SendTaskFailure
with a cause the run keeps; transient ones (conflicts, infrastructure, unexpected errors) come back after a backoff
(RetryLater) and fail the same way after MAX_DELIVERIES. A worker that dies before answering leaves it to SQS
(then the DLQ, and the task's own timeout takes the flow's error path). See ADR 0011.
"""
from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from leadpilot.automation.flows.compiler import duration_seconds
from leadpilot.automation.flows.templates import render
from leadpilot.automation.runs import holds, machines, replies, runs, snapshot, step_events
from leadpilot.automation.runs.actor import FlowIdentity, flow_identity
from leadpilot.automation.runs.metrics import node_counted
from leadpilot.automation.runs.models import ActionMarkerItem, RunItem
from leadpilot.clock import now_iso
from leadpilot.contacts import service as contacts_service
from leadpilot.contacts import tags as contact_tags
from leadpilot.errors import Conflict, DomainError
from leadpilot.identity import store as identity_store
from leadpilot.identity import suspension
from leadpilot.observability import logger, metrics
from leadpilot.pipelines import deals, listing
from leadpilot.settings import Settings
from leadpilot.tasks import service as tasks_service

FAILED = "LeadPilot.ActionFailed"
UNSUPPORTED = "LeadPilot.Unsupported"
# Transient failures (infrastructure, conflicts, unexpected errors) are retried by redelivery with backoff; the
# last one fails the task like a permanent failure. Not the compiled Retry: moto replays retried callback tasks.
MAX_DELIVERIES = 4
RETRY_BASE_S = 2


class PermanentFailure(Exception):
    """The action cannot succeed by retrying; the run takes its error path (or fails) with this cause."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(cause)
        self.error, self.cause = error, cause


class Job:
    """One action message, with what performing it needs."""

    def __init__(self, settings: Settings, message: dict[str, Any]) -> None:
        self.settings, self.message = settings, message
        self.context: dict[str, Any] = message["context"]
        run = self.context["run"]
        self.workspace_id, self.run_id = str(run["workspace_id"]), str(run["run_id"])
        self.flow_id, self.contact_id = str(run["flow_id"]), str(run["contact_id"])
        self.node, self.state, self.action = str(message["node"]), str(message["state"]), str(message["action"])
        self.config: dict[str, Any] = message.get("config") or {}
        self.attempt, epoch = int(message.get("attempt") or 0), int(run.get("epoch") or 0)
        # A restart bumps the run's epoch, so its actions are performed again instead of replayed.
        self.key = f"{self.state}#{self.attempt}#{visit(self.context)}" + (f"#e{epoch}" if epoch else "")
        self.execution = self.execution_no(str(message.get("execution") or ""), self.run_id)
        self._identity: FlowIdentity | None = None

    @staticmethod
    def execution_no(execution_arn: str, run_id: str) -> int:
        """n of the execution named <run id>-<n> (1 for the first, named <run id>)."""
        suffix = execution_arn.rsplit(":", 1)[-1].removeprefix(run_id).removeprefix("-")
        return int(suffix) if suffix.isdigit() else 1

    @property
    def identity(self) -> FlowIdentity:
        if self._identity is None:
            self._identity = flow_identity(self.workspace_id, self.flow_id, self.run_id)
        return self._identity

    def contact(self) -> dict[str, Any]:
        contact = snapshot.load(self.workspace_id, self.contact_id)
        if contact is None:
            raise PermanentFailure(FAILED, f"{self.action} at {self.node}: the contact no longer exists")
        return snapshot.of(contact)

    def render(self, text: str, contact: dict[str, Any] | None = None) -> str:
        ctx = {**self.context, "contact": contact if contact is not None else self.context.get("contact", {})}
        return render(text, ctx)


def visit(context: dict[str, Any]) -> str:
    """Which pass through a state this is: a state is re-entered only through a Loop (validation forbids other
    cycles), so the loop counters tell the passes apart ("-" outside any loop)."""
    loops = context.get("loops") or {}
    return ".".join(f"{k}{int((v or {}).get('count', 0))}" for k, v in sorted(loops.items())) or "-"


class RetryLater(Exception):
    """A transient failure: the queue should deliver the message again after `delay_s` (the consumer sets the
    message's visibility, then reports it failed)."""

    def __init__(self, delay_s: int, cause: str) -> None:
        super().__init__(cause)
        self.delay_s = delay_s


def backoff_s(deliveries: int) -> int:
    """Seconds before the next delivery after the n-th failed one: 2, 4, 8, ... at most 60."""
    return int(min(60, RETRY_BASE_S * 2 ** (max(1, deliveries) - 1)))


def handle(settings: Settings, message: dict[str, Any], deliveries: int = 1) -> None:
    """Perform the action a compiled flow sent and answer its task token (`deliveries`: the queue's receive
    count of the message, for the retries of transient failures).

    A fault around the action itself (reading the run, the step log, parking a callback node's token) comes back
    after the same backoff as the action's own transient failures, not after the queue's visibility timeout
    (minutes): a wait for a reply parks seconds later, and a reply that came meanwhile still answers it."""
    job = Job(settings, message)
    try:
        _handle(job, str(message["token"]), deliveries)
    except RetryLater:
        raise
    except Exception as exc:
        logger.exception("action handling failed", extra={"run_id": job.run_id, "node": job.node,
                                                          "delivery": deliveries})
        if deliveries >= MAX_DELIVERIES:
            raise  # as before: the queue delivers it once more after its visibility timeout, then its DLQ
        raise RetryLater(backoff_s(deliveries), _described(exc)) from exc


def _handle(job: Job, token: str, deliveries: int) -> None:
    message, region = job.message, job.settings.region
    record = runs.get_item(job.workspace_id, job.run_id)
    if record is None or record.execution_arn != message.get("execution") or record.status != "running":
        # unknown, or an execution a control replaced or stopped (Step Functions stops asynchronously)
        logger.warning("action of an unknown or stopped run refused", extra={"run_id": job.run_id})
        machines.fail(region, token, FAILED, "the run is not known to this workspace, or not running")
        return
    if suspension.suspended_reason(job.workspace_id) is not None:
        _hold(job, token, deliveries, record)
        return
    runs.at_node(job.workspace_id, job.run_id, job.node, job.context)
    replies.release(job.workspace_id, job.contact_id, job.run_id)
    done = _claim(job)
    if done is not None:
        _answer(region, token, done)
        return
    parker = _PARKERS.get(job.action)
    if parker is not None:  # callback nodes: the token is answered later, by a reply, an event or a person
        parker(job, token)
        _announce(job, "waiting")
        return
    try:
        output = _perform(job)
    except PermanentFailure as exc:
        _failed(job, token, exc.error, exc.cause)
        return
    except DomainError as exc:
        if not isinstance(exc, Conflict):  # a concurrent change of the same record: retried below
            _failed(job, token, FAILED, f"{job.action} at {job.node}: {exc.message}")
            return
        _transient(job, token, deliveries, exc.message)
        return
    except Exception as exc:  # the worker's boundary: an unexpected error must reach the run, not vanish
        logger.exception("action failed unexpectedly", extra={"run_id": job.run_id, "node": job.node})
        _transient(job, token, deliveries, _described(exc))
        return
    _settle(job, "done", output)
    machines.succeed(region, token, output)
    logger.info("automation action done", extra=_about(job))
    metrics.add_metric(name="FlowActionPerformed", unit="Count", value=1)


def _hold(job: Job, token: str, deliveries: int, record: RunItem) -> None:
    """The workspace is suspended: the run pauses before this action (performed when reactivation resumes it)."""
    try:
        holds.pause_for(job.settings, record, holds.SUSPENSION)
    except DomainError as exc:  # it changed meanwhile: try again shortly
        _transient(job, token, deliveries, f"the workspace is suspended; pausing the run failed: {exc.message}")
        return
    logger.info("run paused: its workspace is suspended", extra=_about(job))


def _about(job: Job) -> dict[str, str]:
    return {"action": job.action, "node": job.node, "flow_id": job.flow_id, "run_id": job.run_id}


def _claim(job: Job) -> ActionMarkerItem | None:
    """Create the action's marker; the existing marker when the action already finished (else None)."""
    seen = {"config": job.config, "vars": job.context.get("vars") or {}}
    marker = ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}", node=job.node,
                              action=job.action, status="pending", started_at=now_iso(), attempt=job.attempt,
                              execution=job.execution, deliveries=1, input=json.dumps(seen, default=str)[:20000])
    try:
        marker.save(condition=ActionMarkerItem.PK.does_not_exist())
        node_counted(job.workspace_id, job.flow_id, job.node, "entered")
        return None
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    # the step log shows the execution that handled the action last (a recovered run re-parks its wait)
    marker.update(actions=[ActionMarkerItem.deliveries.add(1), ActionMarkerItem.execution.set(job.execution)])
    return marker if marker.status in ("done", "failed") else None  # pending: a crash mid-way, do it again


def _described(exc: Exception) -> str:
    """An unexpected error and what caused it (pynamodb wraps botocore's error as `cause`)."""
    inner = getattr(exc, "cause", None) or exc.__cause__
    text = f"{type(exc).__name__}: {exc}" + (f" ({type(inner).__name__}: {inner})" if inner else "")
    return text[:1000]


def _transient(job: Job, token: str, deliveries: int, reason: str) -> None:
    """Retry a transient failure with backoff (the queue redelivers); after MAX_DELIVERIES it fails for good."""
    cause = f"{job.action} at {job.node}: {reason}"
    if deliveries >= MAX_DELIVERIES:
        _failed(job, token, FAILED, f"{cause} (gave up after {deliveries} attempts)")
        return
    entry = {"at": now_iso(), "delivery": deliveries, "cause": cause}
    marker = ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}")
    marker.update(actions=[ActionMarkerItem.status.set("retrying"),
                           ActionMarkerItem.retries.set((ActionMarkerItem.retries | []).append([json.dumps(entry)]))])
    metrics.add_metric(name="FlowActionRetried", unit="Count", value=1)
    raise RetryLater(backoff_s(deliveries), cause)


def _failed(job: Job, token: str, error: str, cause: str) -> None:
    """Record a failed action in the run's log and on the run, then fail its task: the run takes the node's
    error edge, or fails with this cause."""
    _settle(job, "failed", {"error": error, "cause": cause})
    runs.note_failure(job.workspace_id, job.run_id, job.node, error, cause)
    node_counted(job.workspace_id, job.flow_id, job.node, "failed")
    machines.fail(job.settings.region, token, error, cause)
    logger.info("automation action failed", extra={**_about(job), "error": error, "cause": cause[:300]})
    metrics.add_metric(name="FlowActionFailed", unit="Count", value=1)


def _settle(job: Job, status: str, output: dict[str, Any]) -> None:
    ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}").update(actions=[
        ActionMarkerItem.status.set(status), ActionMarkerItem.output.set(json.dumps(output)),
        ActionMarkerItem.finished_at.set(now_iso())])
    _announce(job, status)


def _announce(job: Job, status: str) -> None:
    """Tell open screens about the step just written to the run's log (no write of its own: step_events)."""
    step_events.recorded(job.settings, job.workspace_id, run_id=job.run_id, flow_id=job.flow_id,
                         contact_id=job.contact_id, node=job.node, action=job.action, status=status,
                         execution=job.execution)


def _answer(region: str, token: str, marker: ActionMarkerItem) -> None:
    output = json.loads(marker.output or "{}")
    if marker.status == "failed":
        machines.fail(region, token, output.get("error", FAILED), output.get("cause", ""))
    else:
        machines.succeed(region, token, output)


def _wait_for_reply(job: Job, token: str) -> None:
    scale = float(job.message.get("time_scale") or 1)
    timeout_s = max(1, round(duration_seconds(job.config.get("timeout") or {}) * scale))
    marker = ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}")
    replies.park(job.workspace_id, job.contact_id, job.run_id, job.state, job.node,
                 str(job.config.get("channel") or "any"), token, timeout_s, marker=marker.SK)
    marker.update(actions=[ActionMarkerItem.status.set("waiting")])
    record = runs.get_item(job.workspace_id, job.run_id)
    if record is not None:  # the contact may have replied while the run was busy: "until they reply" holds
        replies.catch_up(job.settings, job.workspace_id, job.contact_id, job.run_id, job.state, record.started_at)


def _perform(job: Job) -> dict[str, Any]:
    performer = _PERFORMERS.get(job.action)
    if performer is None:
        raise PermanentFailure(UNSUPPORTED, f"{job.action} at {job.node}: not supported by the runtime yet")
    return performer(job)


def _send(job: Job, channel: str) -> dict[str, Any]:
    """Through the messaging send paths (issue 5): the key (run + action) makes a repeated action send once;
    do-not-contact, suppression, quiet hours and usage limits apply there and come back as outcomes."""
    if channel == "email":
        from leadpilot.email.automation import send_email_action

        return send_email_action(job.settings, job.workspace_id, job.contact_id, job.config, job.context,
                                 flow_id=job.flow_id, node=job.node, run_id=job.run_id, action_key=job.key)
    contact = job.contact()
    if not contact.get("phone"):
        raise PermanentFailure(FAILED, f"send_sms at {job.node}: the contact has no phone")
    if contact.get("do_not_contact"):
        return {"sent": False, "reason": "do_not_contact"}
    from leadpilot.sms.flow_send import send_for_flow

    return send_for_flow(job.settings, job.workspace_id, job.contact_id, job.render(job.config["body"], contact),
                         f"{job.run_id}#{job.key}", job.identity.actor())


def _tag(job: Job, change: str) -> dict[str, Any]:
    tag = job.render(job.config["tag"])
    contact = contact_tags.change_contact_tags(job.settings, job.identity, job.contact_id, {change: [tag]})
    return {"tags": list(contact.tags)}


def _update_contact(job: Job) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in job.config["fields"].items():
        rendered = job.render(value) if isinstance(value, str) else value
        if "." in key:
            group, name = key.split(".", 1)
            body.setdefault(group, {})[name] = rendered
        else:
            body[key] = rendered
    contacts_service.update_contact(job.settings, job.identity, job.contact_id, body)
    return {"updated": sorted(job.config["fields"])}


def _owner_of(workspace_id: str) -> str | None:
    return next((m.user_id for m in identity_store.members_of(workspace_id) if m.role == "owner"), None)


def _create_task(job: Job) -> dict[str, Any]:
    cfg = job.config
    body: dict[str, Any] = {"title": job.render(cfg["title"])[:200], "status": "open", "priority": "normal",
                            "related_to": {"type": "contact", "id": job.contact_id}}
    if cfg.get("description"):
        body["description"] = job.render(cfg["description"])
    assignee = cfg.get("assignee")
    if assignee:
        body["assignee_id"] = _owner_of(job.workspace_id) if assignee == "owner" else assignee.split(":", 1)[1]
    if cfg.get("due_in"):  # a real-world due date: not time-scaled
        due = datetime.now(UTC) + timedelta(seconds=duration_seconds(cfg["due_in"]))
        body["due_at"] = due.isoformat(timespec="seconds").replace("+00:00", "Z")
    task = tasks_service.create_task(job.settings, job.identity, body)
    return {"task_id": task.id}


def _move_stage(job: Job) -> dict[str, Any]:
    cfg = job.config
    found, _ = listing.list_deals(job.identity, {"contact_id": job.contact_id, "pipeline_id": cfg["pipeline_id"]},
                                  10, None)
    open_deals = [d for d in found if d.get("status") == "open"] or found
    if open_deals:
        deal = deals.move_deal(job.settings, job.identity, open_deals[0]["id"],
                               {"version": open_deals[0]["version"], "stage_id": cfg["stage_id"]})
        return {"deal_id": deal.id, "stage_id": deal.stage_id}
    if not cfg.get("create_deal_if_missing"):
        raise PermanentFailure(FAILED, f"move_stage at {job.node}: the contact has no deal in the pipeline")
    contact = job.contact()
    name = " ".join(filter(None, [contact.get("first_name"), contact.get("last_name")])) or "New deal"
    deal = deals.create_deal(job.settings, job.identity, {"pipeline_id": cfg["pipeline_id"],
                                                          "stage_id": cfg["stage_id"], "contact_id": job.contact_id,
                                                          "name": name})
    return {"deal_id": deal.id, "stage_id": deal.stage_id, "created": True}


def _set_variable(job: Job) -> dict[str, Any]:
    value = job.render(str(job.config["value"]))
    return {"vars": {**(job.context.get("vars") or {}), job.config["variable"]: value}}


def _extension(module: str, name: str) -> Callable[..., Any]:
    """A performer of a sibling module (webhooks, ai_steps, handoff, waits, booking_links), imported on first use: those
    modules build on this one (Job, PermanentFailure), so this one cannot import them at the top."""
    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f"leadpilot.automation.steps.{module}"), name)(*args)
    return call


_PARKERS: dict[str, Callable[[Job, str], None]] = {
    "wait_for_reply": _wait_for_reply,
    "wait_for_event": _extension("waits", "park_event"),
    "wait_for_booking": _extension("waits", "park_booking"),
    "human_handoff": _extension("handoff", "park"),
    "ai_call": _extension("calls", "park"),
}

_PERFORMERS: dict[str, Callable[[Job], dict[str, Any]]] = {
    "webhook": _extension("webhooks", "perform"),
    "ai_condition": _extension("ai_steps", "classify"),
    "ai_generate_message": _extension("ai_steps", "generate_message"),
    "compute_wait": _extension("waits", "compute_wait"),
    "send_booking_link": _extension("booking_links", "send"),
    "send_sms": lambda job: _send(job, "sms"),
    "send_email": lambda job: _send(job, "email"),
    "add_tag": lambda job: _tag(job, "add"),
    "remove_tag": lambda job: _tag(job, "remove"),
    "update_contact": _update_contact,
    "create_task": _create_task,
    "move_stage": _move_stage,
    "load_contact": lambda job: job.contact(),
    "set_variable": _set_variable,
}

