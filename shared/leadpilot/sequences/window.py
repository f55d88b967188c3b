"""The runtime's `compute_wait` action for clock delays with a send window (between_hours / weekdays /
timezone, after an optional duration): the next instant the window is open, compressed by the time scale."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from leadpilot.automations.compiler import duration_seconds
from leadpilot.identity import store as identity_store
from leadpilot.messaging.compliance import next_allowed_send

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def contact_timezone(contact: dict[str, Any]) -> str | None:
    """A contact's zone: the `timezone` custom field, when the workspace keeps one."""
    value = (contact.get("custom_fields") or {}).get("timezone")
    return str(value) if value else None


def next_open(now: datetime, config: dict[str, Any], contact_tz: str | None, workspace_tz: str | None) -> datetime:
    """When a delay node with a window ends, in real time (UTC)."""
    after = now + timedelta(seconds=duration_seconds(config))
    hours = config.get("between_hours") or {"from": 0, "to": 24}
    days = [WEEKDAYS.index(d) for d in config.get("weekdays") or WEEKDAYS]
    zone = config.get("timezone") or "contact"
    if zone == "workspace":
        contact_tz = workspace_tz
    elif zone != "contact":
        contact_tz = zone
    return next_allowed_send(after, contact_tz, time(int(hours["from"])), time(int(hours["to"]) % 24), days,
                             workspace_tz)


def compute_wait(workspace_id: str, contact: dict[str, Any], config: dict[str, Any],
                 time_scale: float) -> dict[str, Any]:
    """The Wait state's `until` (already compressed by the flow's time scale) and the real target."""
    if "until" in config or "time_of_day" in config:
        raise ValueError("delays until a date or a time of day are not supported yet")
    now = datetime.now(UTC)
    workspace = identity_store.get_workspace_item(workspace_id)
    target = next_open(now, config, contact_timezone(contact), workspace.timezone if workspace else None)
    until = now + (target - now) * time_scale
    return {"until": until.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "target": target.isoformat(timespec="seconds").replace("+00:00", "Z")}
