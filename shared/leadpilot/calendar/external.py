"""Appointments moved or deleted in a host's Google or Outlook calendar (calendar.external_event_changed, from
calendar sync): the appointment follows, as a change by its host.

A move is not checked against the offered slots (the host chose the time), but it still claims the host's blocks:
when another booking holds one, the appointment stays where it was and the host is told in the app. Each event is
applied once (a marker keyed by its id, in the change's transaction); an appointment already at the new times, or
no longer active, is left alone. The appointment events published here reach calendar sync, which finds its
record already at those times (or deleted) and writes nothing back.
"""
from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.calendar import appointments, claims, links, notify
from leadpilot.calendar.appointments import ACTIVE, parse_start
from leadpilot.calendar.availability import instant
from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ProcessedEventItem
from leadpilot.errors import NotFound
from leadpilot.notifications.service import add_to
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

CONSUMER = "calendar-external"
_DEDUPE_TTL_S = 7 * 24 * 3600
PROVIDER_NAMES = {"google": "Google Calendar", "microsoft": "Outlook"}


def apply(settings: Settings, event: dict[str, Any]) -> str:
    """Apply one calendar.external_event_changed (the EventBridge detail); what happened, for the log."""
    ws, data = event["workspace_id"], event.get("data") or {}
    marker = ProcessedEventItem(f"WS#{ws}#EVENTS", f"{CONSUMER}#{event['id']}", processed_at=now_iso(),
                                expires_at=now_epoch() + _DEDUPE_TTL_S)
    if _seen(marker):
        return "duplicate"
    try:
        item = appointments.get_item(ws, str(data.get("appointment_id")))
    except NotFound:
        item = None
    if item is None or item.status not in ACTIVE or data.get("host_user_id") not in item.host_ids:
        marker.save()  # gone, over, or not this host's: nothing to follow
        return "ignored"
    actor = {"type": "system", "id": f"calendar_sync:{data.get('provider')}"}
    where = PROVIDER_NAMES.get(str(data.get("provider")), "the host's calendar")

    def mark(txn: Any) -> None:
        txn.save(marker, condition=ProcessedEventItem.PK.does_not_exist())

    if data.get("change") == "cancelled":
        cancelled = appointments.cancel(settings, item, actor, f"Deleted in {where}", extra=mark)
        _tell_booker(settings, ws, cancelled, "cancelled")
        metrics.add_metric(name="AppointmentCancelledExternally", unit="Count", value=1)
        return "cancelled"
    start, end = parse_start(str(data.get("start")), "start"), parse_start(str(data.get("end")), "end")
    if (instant(item.start), instant(item.end)) == (start, end) or end <= start:
        marker.save()  # already there (our own write coming back), or nothing sensible to follow
        return "unchanged"
    before = {"start": item.start, "end": item.end, "event_type_name": item.event_type_name, "name": item.name,
              "timezone": item.timezone}
    host = str(data["host_user_id"])
    try:
        moved = appointments.move(settings, item, start, end, actor, appointments.event_type_or_none(item),
                                  extra=mark)
    except claims.SlotTaken:
        _tell_host(settings, ws, host, before, start, where, marker)
        return "collision"
    _tell_booker(settings, ws, moved, "rescheduled")
    metrics.add_metric(name="AppointmentMovedExternally", unit="Count", value=1)
    return "moved"


def _seen(marker: ProcessedEventItem) -> bool:
    try:
        ProcessedEventItem.get(marker.PK, marker.SK, consistent_read=True)
    except DoesNotExist:
        return False
    return True


def _tell_host(settings: Settings, workspace_id: str, host: str, before: dict[str, Any], start: datetime, where: str,
               marker: ProcessedEventItem) -> None:
    """The new time collides with another booking: the appointment stays; the host hears it in the app."""
    title = f"{before['event_type_name']} with {before['name']} was not moved"
    body = (f"It was moved in {where} to {notify.local_label({**before, 'start': start.isoformat()})}, which "
            f"overlaps another booking, so it stays on {notify.local_label(before)}. Move it back in {where}, or "
            "reschedule it in LeadPilot.")
    with transaction(settings) as txn:
        txn.save(marker, condition=ProcessedEventItem.PK.does_not_exist())
        add_to(txn, workspace_id, host, "integration_attention", title, body, "/app/calendar")
    logger.info("external move collides with another booking", extra={"host": host})
    metrics.add_metric(name="AppointmentExternalMoveRefused", unit="Count", value=1)


def _tell_booker(settings: Settings, workspace_id: str, appointment: dict[str, Any], kind: str) -> None:
    """Email (and text) the booker, as for a change from the dashboard; a new link when it stays open."""
    base = os.environ.get("PUBLIC_BASE_URL", "")
    url = None
    if base and kind != "cancelled":
        token = links.sign(settings.jwt_secret, workspace_id, appointment["id"], appointment["version"])
        url = f"{links.app_base(settings, base)}/app/book/manage/{token}"
    notify.send(settings, workspace_id, appointment, kind, url, f"{kind}-{appointment['version']}")

