"""The envelope every domain event carries (the EventBridge `detail`)."""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_iso

SOURCES = {"contact": "leadpilot.contacts"}


def domain_event(event_id: str, event_type: str, workspace_id: str, actor: dict[str, str],
                 data: dict[str, Any], changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A domain event. Its id is the idempotency key of every consumer."""
    return {"id": event_id, "type": event_type, "version": 1, "workspace_id": workspace_id,
            "occurred_at": now_iso(), "actor": actor, "data": data, "changes": changes or {}}


def source_of(event_type: str) -> str:
    """EventBridge source for a type such as contact.created -> leadpilot.contacts."""
    return SOURCES[event_type.split(".", 1)[0]]
