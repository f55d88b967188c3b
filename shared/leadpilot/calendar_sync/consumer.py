"""The calendar-sync queue's events: appointments to write to hosts' calendars, and connections coming and going.

appointment.booked / .rescheduled (source leadpilot.appointments) -> upsert_event in every host's calendars;
appointment.cancelled -> delete_event; integration.connected / .disconnected (leadpilot.integrations) for google or
microsoft -> link or unlink the host's calendar. Each handler is idempotent (see events.py), so redeliveries have no
second effect. The calendar capability's appointment (`data.appointment`: id, host_id, host_ids, start, end,
status, event_type_name, name, email, location {kind, value}) becomes the event of `events.py` here.
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
        source = data.get("appointment") or {}
        hosts = [str(h) for h in source.get("host_ids") or [source.get("host_id")] if h]
        if not hosts or not source.get("id"):
            raise ValidationFailed.field("appointment", "needs id and host_id")
        appointment = calendar_event(source)
        for host in hosts:  # a collective event type's appointment is in each host's calendar
            if kind == "appointment.cancelled" or appointment["status"] == "cancelled":
                events.delete_event(settings, ws, host, appointment["id"], event["occurred_at"], config)
            else:
                events.upsert_event(settings, ws, host, appointment, event["occurred_at"], config)
    elif kind in ("integration.connected", "integration.disconnected"):
        connection = data.get("connection") or {}
        if connection.get("provider") not in PROVIDERS:
            return
        act = watches.on_connected if kind == "integration.connected" else watches.on_disconnected
        act(settings, config, ws, connection["user_id"], connection["provider"])


LOCATIONS = {"phone": "Phone call", "in_person": "In person", "video": "Video call"}


def calendar_event(appointment: dict[str, Any]) -> dict[str, Any]:
    """What events.py writes, from the calendar capability's appointment: '<event type> with <name>' and so on."""
    location = appointment.get("location")
    if isinstance(location, dict):  # {kind, value}: the address, number or link, else what kind of meeting
        location = location.get("value") or LOCATIONS.get(str(location.get("kind")))
    name, email = appointment.get("name"), appointment.get("email")
    return {"id": appointment["id"], "start": appointment["start"], "end": appointment["end"],
            "title": appointment.get("event_type_name") or "Appointment", "status": appointment.get("status"),
            "location": location, "contact": {"name": name, "email": email} if name or email else None}
