"""The envelope every domain event carries (the EventBridge `detail`)."""
from __future__ import annotations

from typing import Any

from leadpilot import request_context
from leadpilot.clock import now_iso


def domain_event(event_id: str, event_type: str, workspace_id: str, actor: dict[str, str],
                 data: dict[str, Any], changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A domain event. Its id is the idempotency key of every consumer. Made while a platform admin impersonates
    a user, it names both: `actor` the admin (where it would have named the user) and `subject` the user."""
    event = {"id": event_id, "type": event_type, "version": 1, "workspace_id": workspace_id,
             "occurred_at": now_iso(), "actor": actor, "data": data, "changes": changes or {}}
    caller = request_context.current()
    if caller.subject is not None and caller.actor is not None:
        if _same(actor, caller.subject):
            event["actor"] = {"type": caller.actor["type"], "id": caller.actor["id"]}
        event["subject"] = {"type": caller.subject["type"], "id": caller.subject["id"]}
    return event


def _same(one: dict[str, str], other: dict[str, str]) -> bool:
    return one.get("type") == other.get("type") and one.get("id") == other.get("id")


def source_of(event_type: str) -> str:
    """EventBridge source of a type: the plural of its noun (contact.created -> leadpilot.contacts,
    pipeline.stage_changed -> leadpilot.pipelines, task.due -> leadpilot.tasks)."""
    return f"leadpilot.{event_type.split('.', 1)[0]}s"
