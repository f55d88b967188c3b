"""The calendar-sync queue's events: appointments to write to hosts' calendars, and connections coming and going.

appointment.booked / .rescheduled (source leadpilot.appointments) -> upsert_event; appointment.cancelled ->
delete_event; integration.connected / .disconnected (leadpilot.integrations) for google or microsoft -> link or
unlink the host's calendar. Each handler is idempotent (see events.py), so redeliveries have no second effect.
"""
from __future__ import annotations

from typing import Any

from leadpilot.calendar_sync import events, watches
from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.links import PROVIDERS
from leadpilot.errors import ValidationFailed
from leadpilot.settings import Settings


def handle(settings: Settings, config: SyncConfig, event: dict[str, Any]) -> None:
    """Apply one domain event (the EventBridge detail)."""
    kind, ws, data = event["type"], event["workspace_id"], event.get("data") or {}
    if kind.startswith("appointment."):
        appointment = data.get("appointment") or {}
        host = appointment.get("host_user_id")
        if not host or not appointment.get("id"):
            raise ValidationFailed.field("appointment", "needs id and host_user_id")
        if kind == "appointment.cancelled" or appointment.get("status") == "cancelled":
            events.delete_event(settings, ws, host, appointment["id"], event["occurred_at"], config)
        else:
            events.upsert_event(settings, ws, host, appointment, event["occurred_at"], config)
    elif kind in ("integration.connected", "integration.disconnected"):
        connection = data.get("connection") or {}
        if connection.get("provider") not in PROVIDERS:
            return
        act = watches.on_connected if kind == "integration.connected" else watches.on_disconnected
        act(settings, config, ws, connection["user_id"], connection["provider"])
