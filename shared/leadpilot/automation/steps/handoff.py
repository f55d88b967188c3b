"""Human handoff: the run creates a task for a person and waits until that task is completed (or times out).

The worker creates the task (through the tasks capability, as the flow) and parks the task token against the
task id; the `task.completed` event, which reaches the automation triggers queue, answers it. The timeout is
the compiled callback task's own (`States.Timeout` -> the node's `timeout` edge).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from leadpilot.automation.flows.compiler import duration_seconds
from leadpilot.automation.runs import machines, runs
from leadpilot.automation.steps.actions import FAILED, Job
from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import CrmModel
from leadpilot.errors import DomainError
from leadpilot.identity import store as identity_store
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.tasks import service as tasks_service

_KEEP_AFTER_TIMEOUT_S = 86400


class HandoffWaitItem(CrmModel, discriminator="automation_handoff"):
    """PK: WS#<ws>#RUN#<run_id>  SK: HANDOFF#<state>#<attempt>#<loop pass> (one per handoff action).
    GSI1PK: WS#<ws>#HANDOFF_TASK#<task_id>  GSI1SK: HANDOFF#<run_id>: the run waiting for that task.
    Expires (TTL) a day after the node's timeout."""

    run_id = UnicodeAttribute()
    node = UnicodeAttribute()
    task_id = UnicodeAttribute()
    token = UnicodeAttribute()
    created_at = UnicodeAttribute()
    held = UnicodeAttribute(null=True)  # JSON output of the task's completion while the run was paused


def task_pk(workspace_id: str, task_id: str) -> str:
    return f"WS#{workspace_id}#HANDOFF_TASK#{task_id}"


def _assignee(job: Job) -> str | None:
    assignee = str(job.config["assignee"])
    if assignee != "owner":
        return assignee.split(":", 1)[1]
    return next((m.user_id for m in identity_store.members_of(job.workspace_id) if m.role == "owner"), None)


def _create_task(job: Job) -> str:
    contact = job.contact()
    who = " ".join(filter(None, [contact.get("first_name"), contact.get("last_name")])) or "a contact"
    instructions = job.render(str(job.config.get("instructions") or ""), contact)
    due = datetime.now(UTC) + timedelta(seconds=duration_seconds(job.config["timeout"]))  # the real deadline
    body: dict[str, Any] = {
        "title": f"Take over {who}"[:200], "status": "open", "priority": "high",
        "related_to": {"type": "contact", "id": job.contact_id},
        "description": ((instructions + "\n\n") if instructions else "")
        + "An automation is waiting for this task: complete it to let the flow continue.",
        "due_at": due.isoformat(timespec="seconds").replace("+00:00", "Z"), "assignee_id": _assignee(job)}
    return tasks_service.create_task(job.settings, job.identity, body).id


def park(job: Job, token: str) -> None:
    """Create the handoff task once per action, and (re)register the token that its completion answers."""
    pk, sk = runs.run_pk(job.workspace_id, job.run_id), f"HANDOFF#{job.key}"
    scale = float(job.message.get("time_scale") or 1)
    expires = now_epoch() + max(1, round(duration_seconds(job.config["timeout"]) * scale)) + _KEEP_AFTER_TIMEOUT_S
    try:
        existing = HandoffWaitItem.get(pk, sk, consistent_read=True)
        if runs.answer_held(job.settings.region, existing, token):  # completed while the run was paused
            metrics.add_metric(name="FlowHandoffCompleted", unit="Count", value=1)
            return
        existing.update(actions=[HandoffWaitItem.token.set(token)])  # a redelivery or resume: same task, new token
        return
    except HandoffWaitItem.DoesNotExist:
        pass
    try:
        task_id = _create_task(job)
    except DomainError as exc:  # e.g. the assignee is no longer a member: the node's error edge
        machines.fail(job.settings.region, token, FAILED, f"human_handoff at {job.node}: {exc.message}")
        return
    HandoffWaitItem(pk, sk, run_id=job.run_id, node=job.node, task_id=task_id, token=token, created_at=now_iso(),
                    expires_at=expires, GSI1PK=task_pk(job.workspace_id, task_id),
                    GSI1SK=f"HANDOFF#{job.run_id}").save()
    metrics.add_metric(name="FlowHandoffCreated", unit="Count", value=1)


def answer(settings: Settings, event: dict[str, Any]) -> int:
    """A `task.completed` event resumes the runs waiting for that task; returns how many resumed."""
    if event.get("type") != "task.completed":
        return 0
    data = event.get("data") or {}
    task_id, ws = str(data.get("id") or ""), str(event.get("workspace_id") or "")
    if not task_id or not ws:
        return 0
    resumed = 0
    for wait in HandoffWaitItem.gsi1.query(task_pk(ws, task_id)):
        if not isinstance(wait, HandoffWaitItem):
            continue
        output = {"done": True, "task_id": task_id, "completed_at": data.get("completed_at"),
                  "completed_by": event.get("actor")}
        if runs.hold_if_paused(ws, wait, output):  # resume parks the handoff again and it answers at once
            continue
        if machines.succeed(settings.region, wait.token, output):
            resumed += 1
        else:
            logger.info("handoff task completed after its wait ended", extra={"run_id": wait.run_id})
        wait.delete()
    if resumed:
        metrics.add_metric(name="FlowHandoffCompleted", unit="Count", value=resumed)
    return resumed
