"""The envelope every domain event carries (the EventBridge `detail`)."""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_iso


def domain_event(event_id: str, event_type: str, workspace_id: str, actor: dict[str, str],
                 data: dict[str, Any], changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A domain event. Its id is the idempotency key of every consumer."""
    return {"id": event_id, "type": event_type, "version": 1, "workspace_id": workspace_id,
            "occurred_at": now_iso(), "actor": actor, "data": data, "changes": changes or {}}


def source_of(event_type: str) -> str:
    """EventBridge source of a type: the plural of its noun (contact.created -> leadpilot.contacts,
    pipeline.stage_changed -> leadpilot.pipelines, task.due -> leadpilot.tasks)."""
    return f"leadpilot.{event_type.split('.', 1)[0]}s"
