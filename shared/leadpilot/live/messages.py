"""What a dashboard receives for a domain event: its type, its id and the ids it is about (never content).

A screen refetches what a message names through the HTTP API, so messages stay small and carry no personal
data (bodies, names, addresses) over a channel a leaked link could open.
"""
from __future__ import annotations

from typing import Any

# Besides ids: the few fields that let a screen decide whether to refetch at all.
_FIELDS = frozenset({"status", "version", "direction", "node", "action", "step", "outcome", "tag", "related_to"})


def message_of(event: dict[str, Any]) -> dict[str, Any]:
    """{"type": <event type>, "id": <event id>, "data": {ids and a few fields}} for one domain event."""
    data = event.get("data") or {}
    return {"type": event["type"], "id": event["id"], "data": _projected(data)}


def _projected(data: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key == "id" or key.endswith("_id"):
            if value is None or isinstance(value, str):
                kept[key] = value
        elif key in _FIELDS and _small(value):
            kept[key] = value
        elif isinstance(value, dict) and isinstance(value.get("id"), str):
            kept[f"{key}_id"] = value["id"]  # a nested record (a merge's contact and duplicate): its id
    return kept


def _small(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(v, str | int | None) for v in value.values()) and len(value) <= 4
    return value is None or isinstance(value, str | int | float | bool)


def reply_to(body: str | None) -> dict[str, Any]:
    """The answer to what a browser sends on its socket: {"action": "ping"} gets {"type": "pong"} (a keep-alive
    that also tells the browser its socket still works); anything else a 4xx naming the field."""
    from leadpilot import untrusted
    from leadpilot.errors import ValidationFailed

    message = untrusted.loads(body or "")
    if not isinstance(message, dict) or "action" not in message:
        raise ValidationFailed.field("action", "is required")
    if message["action"] != "ping":
        raise ValidationFailed.field("action", "must be ping")
    return {"type": "pong"}
