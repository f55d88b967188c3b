"""Bulk actions on up to 100 tasks: assign, reschedule, complete.

All or nothing at validation: every id must name a task of the caller's workspace and the change must
be valid for every task, else 422 listing each failing item and nothing is changed. Then each task is
changed in its own transaction (a DynamoDB transaction holds 100 items; one task's change can take
dozens), and the reply gives a result per task: "updated", "unchanged", or "conflict" when a
concurrent request changed that task between validation and write (retry those ids).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leadpilot.errors import Conflict, DomainError, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.settings import Settings
from leadpilot.tasks import store
from leadpilot.tasks.entities import Task
from leadpilot.tasks.fields import check_assignee, task_fields
from leadpilot.tasks.service import Change, apply_update

_NEEDS = {"assign": "assignee_id", "reschedule": "due_at"}


def _plan(identity: Identity, body: dict[str, Any], tasks: list[Task]) -> list[tuple[Task, dict[str, Any]]]:
    """The fields to set on each task, or 422 naming every task it cannot be applied to."""
    action = body["action"]
    needed = _NEEDS.get(action)
    if needed and needed not in body:
        raise ValidationFailed.field(needed, f"is required for action {action}")
    if action == "assign":
        check_assignee(identity.workspace_id, body["assignee_id"])
        return [(t, {"assignee_id": body["assignee_id"]}) for t in tasks]
    if action == "complete":
        return [(t, {"status": "done"}) for t in tasks]
    plan, errors = [], []
    change: dict[str, Any] = {k: body[k] for k in ("due_at", "timezone") if k in body}
    for index, task in enumerate(tasks):
        try:
            plan.append((task, task_fields(identity, change, task)))
        except ValidationFailed as exc:
            for err in exc.details.get("errors", []):
                errors.append({"field": f"task_ids/{index}", "id": task.id,
                               "message": f"{err['field']}: {err['message']}"})
    if errors:
        raise ValidationFailed(f"{len(errors)} task(s) cannot be rescheduled that way; nothing was changed",
                               {"errors": errors})
    return plan


def bulk_update(settings: Settings, identity: Identity, body: dict[str, Any],
                now: datetime | None = None) -> dict[str, Any]:
    """Apply one action to many tasks; see the module docstring for the all-or-nothing rules."""
    ids: list[str] = body["task_ids"]
    found = store.get_tasks(identity.workspace_id, ids)
    missing = [(i, tid) for i, tid in enumerate(ids) if tid not in found]
    if missing:
        raise ValidationFailed(f"{len(missing)} task id(s) not found; nothing was changed",
                               {"errors": [{"field": f"task_ids/{i}", "id": tid, "message": "not found"}
                                           for i, tid in missing],
                                "not_found": [tid for _, tid in missing]})
    results = []
    for task, fields in _plan(identity, body, [found[tid] for tid in ids]):
        results.append(_apply(settings, identity, task, fields, now or datetime.now(UTC)))
    return {"action": body["action"], "results": results,
            "updated": sum(1 for r in results if r["result"] == "updated")}


def _apply(settings: Settings, identity: Identity, task: Task, fields: dict[str, Any], now: datetime
           ) -> dict[str, Any]:
    change = Change(identity, now)
    try:
        after = apply_update(change, task, fields)
        if not change.tasks:
            return {"id": task.id, "result": "unchanged", "task": task.to_dict()}
        change.commit(settings)
    except Conflict as exc:
        return {"id": task.id, "result": "conflict", "error": {"code": exc.code, "message": exc.message}}
    except DomainError as exc:  # pragma: no cover - validation happened above; kept so one task cannot stop the rest
        return {"id": task.id, "result": "error", "error": {"code": exc.code, "message": exc.message}}
    return {"id": task.id, "result": "updated", "task": after.to_dict()}
