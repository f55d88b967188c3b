"""The action worker: performs one action of a run, once, then answers its task token.

Idempotency key: (run, state, attempt, loop pass) as a conditional marker item. A redelivered message whose action is
done replays the recorded output; one that failed for good replays the failure. Permanent failures
(bad data: 4xx domain errors) answer SendTaskFailure with a cause the run keeps; anything else raises, so
SQS redelivers (then the DLQ, and the task's own timeout takes the flow's error path).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from leadpilot.automation_runtime import machines, replies, runs, snapshot
from leadpilot.automation_runtime.actor import FlowIdentity, flow_identity
from leadpilot.automation_runtime.models import ActionMarkerItem, SandboxMessageItem
from leadpilot.automations.compiler import duration_seconds
from leadpilot.automations.templates import render
from leadpilot.clock import now_iso
from leadpilot.contacts import service as contacts_service
from leadpilot.contacts import tags as contact_tags
from leadpilot.errors import Conflict, DomainError
from leadpilot.identity import store as identity_store
from leadpilot.observability import logger, metrics
from leadpilot.pipelines import deals, listing
from leadpilot.settings import Settings
from leadpilot.tasks import service as tasks_service

FAILED = "LeadPilot.ActionFailed"
UNSUPPORTED = "LeadPilot.Unsupported"


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
        self.key = f"{self.state}#{int(message.get('attempt') or 0)}#{visit(self.context)}"
        self._identity: FlowIdentity | None = None

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


def handle(settings: Settings, message: dict[str, Any]) -> None:
    """Perform the action a compiled flow sent and answer its task token."""
    job = Job(settings, message)
    token, region = str(message["token"]), settings.region
    record = runs.get_item(job.workspace_id, job.run_id)
    if record is None or record.execution_arn != message.get("execution"):
        logger.warning("action of an unknown run refused", extra={"run_id": job.run_id})
        machines.fail(region, token, FAILED, "the run is not known to this workspace")
        return
    runs.at_node(job.workspace_id, job.run_id, job.node)
    replies.release(job.workspace_id, job.contact_id, job.run_id)
    if job.action == "wait_for_reply":
        _wait_for_reply(job, token)
        return
    done = _claim(job)
    if done is not None:
        _answer(region, token, done)
        return
    try:
        output = _perform(job)
    except PermanentFailure as exc:
        _settle(job, "failed", {"error": exc.error, "cause": exc.cause})
        machines.fail(region, token, exc.error, exc.cause)
        metrics.add_metric(name="FlowActionFailed", unit="Count", value=1)
        return
    except Conflict:
        raise  # a concurrent change of the same record: the redelivery retries
    except DomainError as exc:
        cause = f"{job.action} at {job.node}: {exc.message}"
        _settle(job, "failed", {"error": FAILED, "cause": cause})
        machines.fail(region, token, FAILED, cause)
        metrics.add_metric(name="FlowActionFailed", unit="Count", value=1)
        return
    _settle(job, "done", output)
    machines.succeed(region, token, output)
    metrics.add_metric(name="FlowActionPerformed", unit="Count", value=1)


def _claim(job: Job) -> ActionMarkerItem | None:
    """Create the action's marker; the existing marker when the action already finished (else None)."""
    marker = ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}", node=job.node,
                              action=job.action, status="pending", started_at=now_iso())
    try:
        marker.save(condition=ActionMarkerItem.PK.does_not_exist())
        return None
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    existing = ActionMarkerItem.get(marker.PK, marker.SK)
    return existing if existing.status in ("done", "failed") else None  # pending: a crash mid-way, do it again


def _settle(job: Job, status: str, output: dict[str, Any]) -> None:
    ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}").update(actions=[
        ActionMarkerItem.status.set(status), ActionMarkerItem.output.set(json.dumps(output)),
        ActionMarkerItem.finished_at.set(now_iso())])


def _answer(region: str, token: str, marker: ActionMarkerItem) -> None:
    output = json.loads(marker.output or "{}")
    if marker.status == "failed":
        machines.fail(region, token, output.get("error", FAILED), output.get("cause", ""))
    else:
        machines.succeed(region, token, output)


def _wait_for_reply(job: Job, token: str) -> None:
    scale = float(job.message.get("time_scale") or 1)
    timeout_s = max(1, round(duration_seconds(job.config.get("timeout") or {}) * scale))
    replies.park(job.workspace_id, job.contact_id, job.run_id, job.state, job.node,
                 str(job.config.get("channel") or "any"), token, timeout_s)


def _perform(job: Job) -> dict[str, Any]:
    performer = _PERFORMERS.get(job.action)
    if performer is None:
        raise PermanentFailure(UNSUPPORTED, f"{job.action} at {job.node}: not supported by the runtime yet")
    return performer(job)


def _send(job: Job, channel: str) -> dict[str, Any]:
    """Messaging has no send path yet: record what would be sent in the sandbox outbox (once per action)."""
    contact = job.contact()
    to = contact.get("phone") if channel == "sms" else contact.get("email")
    if not to:
        raise PermanentFailure(FAILED, f"send_{channel} at {job.node}: the contact has no "
                                       f"{'phone' if channel == 'sms' else 'email'}")
    if contact.get("do_not_contact"):
        return {"sent": False, "reason": "do_not_contact"}
    if channel == "sms":  # the messaging send path: do-not-contact, quiet hours and limits apply again there
        from leadpilot.messaging.flow_send import send_for_flow

        return send_for_flow(job.settings, job.workspace_id, job.contact_id, job.render(job.config["body"], contact),
                             f"{job.run_id}#{job.key}", job.identity.actor())
    subject = job.render(job.config["subject"], contact) if channel == "email" else None
    item = SandboxMessageItem(f"WS#{job.workspace_id}#SANDBOX_OUTBOX", f"MSG#{job.run_id}#{job.key}",
                              channel=channel, contact_id=job.contact_id, to=to, subject=subject,
                              body=job.render(job.config["body"], contact), run_id=job.run_id, node=job.node,
                              sent_at=now_iso())
    try:
        item.save(condition=SandboxMessageItem.PK.does_not_exist())
        metrics.add_metric(name="SmsSent" if channel == "sms" else "EmailSent", unit="Count", value=1)
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    return {"sent": True, "channel": channel, "message_id": item.SK.split("#", 1)[1], "sandbox": True}


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


_PERFORMERS: dict[str, Callable[[Job], dict[str, Any]]] = {
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


def sandbox_messages(workspace_id: str, channel: str | None = None) -> list[dict[str, Any]]:
    """What flows of the workspace would have sent (the sandbox outbox), oldest first per run."""
    items = SandboxMessageItem.query(f"WS#{workspace_id}#SANDBOX_OUTBOX", SandboxMessageItem.SK.startswith("MSG#"))
    return [{"channel": i.channel, "contact_id": i.contact_id, "to": i.to, "subject": i.subject, "body": i.body,
             "run_id": i.run_id, "node": i.node, "sent_at": i.sent_at}
            for i in items if channel is None or i.channel == channel]
