"""Bookings written to the host's connected calendars: one external event per appointment and calendar.

A new event goes to the link's write-target calendar (`links.write_target`); its record keeps that calendar, so
later updates and the deletion reach the event where it is even after the host picks another target.
Idempotent by appointment id: the external event id is remembered (SyncedEventItem), Google's event id is derived
from the appointment and Graph gets it as transactionId, an unchanged appointment is not written again, an older
event than the last applied is skipped, and a cancelled appointment leaves a tombstone so a late redelivery of its
booking does not bring the event back.

The appointment dict (consumer.calendar_event of the `appointment` of appointment.booked/.rescheduled) carries:
  id, start, end (ISO 8601 with a zone), title, status, location (or null), contact: {name, email} (or null).
The digest covers everything but the times, which are compared with the synced record's: an external move updates
that record first, so the calendar's echo (appointment.rescheduled to the same times) writes nothing.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from leadpilot.calendar_sync.busy import refresh_busy
from leadpilot.calendar_sync.config import SyncConfig, sync_config
from leadpilot.calendar_sync.links import Skipped, api_of, host_links, token_for, write_target
from leadpilot.calendar_sync.models import CalendarLinkItem, SyncedEventItem, event_sk, external_gsi, host_pk
from leadpilot.calendar_sync.providers import PRIMARY, EventBody
from leadpilot.clock import now_epoch, now_iso
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

TOMBSTONE_S = 90 * 86400  # a cancelled appointment's record, so late redeliveries of its booking do nothing
PAST_KEPT_S = 30 * 86400  # an appointment's record after it ended: the host's partition stays small


def upsert_event(settings: Settings, workspace_id: str, user_id: str, appointment: dict[str, Any],
                 version: str | None = None, config: SyncConfig | None = None) -> None:
    """Create or update the appointment's event in each of the host's connected calendars."""
    config = config or sync_config()
    version = version or now_iso()
    body = event_body(workspace_id, appointment)
    for link in host_links(settings, workspace_id, user_id):
        try:
            _upsert_one(settings, config, link, appointment["id"], body, version)
        except Skipped:
            continue


def delete_event(settings: Settings, workspace_id: str, user_id: str, appointment_id: str,
                 version: str | None = None, config: SyncConfig | None = None) -> None:
    """Delete the appointment's event from each of the host's connected calendars (a tombstone remains)."""
    config = config or sync_config()
    version = version or now_iso()
    for link in host_links(settings, workspace_id, user_id):
        synced = _synced(workspace_id, user_id, link.provider, appointment_id)
        if synced is not None and synced.cancelled:
            continue
        try:
            token = token_for(settings, link)
        except Skipped:
            continue
        calendar = (synced.calendar_id if synced else None) or PRIMARY
        if synced is not None:
            api_of(config, link.provider).delete_event(token, synced.external_id, calendar)
            metrics.add_metric(name="CalendarEventDeleted", unit="Count", value=1)
        _remember(workspace_id, user_id, link.provider, appointment_id, synced.external_id if synced else "-",
                  ("", ""), version, "", calendar, cancelled=True)
        refresh_busy(settings, config, link)


def event_body(workspace_id: str, appointment: dict[str, Any]) -> EventBody:
    contact = appointment.get("contact") or {}
    name = str(contact.get("name") or "")
    title = str(appointment.get("title") or "Appointment") + (f" with {name}" if name else "")
    return EventBody(key=f"{workspace_id}/{appointment['id']}", title=title, start=_utc(appointment["start"]),
                     end=_utc(appointment["end"]), description="Booked with LeadPilot",
                     location=str(appointment.get("location") or ""), attendee_email=str(contact.get("email") or ""),
                     attendee_name=name)


def _upsert_one(settings: Settings, config: SyncConfig, link: CalendarLinkItem, appointment_id: str,
                body: EventBody, version: str) -> None:
    ws = str(link.PK).split("#")[1]
    synced = _synced(ws, link.user_id, link.provider, appointment_id)
    content = {k: v for k, v in body.__dict__.items() if k not in ("start", "end")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    same = synced is not None and synced.digest == digest and (synced.start, synced.end) == (body.start, body.end)
    if synced is not None and (synced.cancelled or synced.version >= version or same):
        logger.info("calendar event already up to date", extra={"appointment_id": appointment_id})
        return
    token = token_for(settings, link)
    api = api_of(config, link.provider)
    if synced is None:
        calendar = write_target(link)
        external_id = api.create_event(token, body, calendar)
        metrics.add_metric(name="CalendarEventCreated", unit="Count", value=1)
    else:
        calendar, external_id = synced.calendar_id or PRIMARY, synced.external_id
        api.update_event(token, external_id, body, calendar)
        metrics.add_metric(name="CalendarEventUpdated", unit="Count", value=1)
    _remember(ws, link.user_id, link.provider, appointment_id, external_id, (body.start, body.end), version, digest,
              calendar)
    refresh_busy(settings, config, link)


def _synced(workspace_id: str, user_id: str, provider: str, appointment_id: str) -> SyncedEventItem | None:
    try:
        return SyncedEventItem.get(host_pk(workspace_id, user_id), event_sk(provider, appointment_id),
                                   consistent_read=True)
    except DoesNotExist:
        return None


def _remember(workspace_id: str, user_id: str, provider: str, appointment_id: str, external_id: str,
              times: tuple[str, str], version: str, digest: str, calendar: str,
              cancelled: bool = False) -> None:
    item = SyncedEventItem(host_pk(workspace_id, user_id), event_sk(provider, appointment_id),
                           appointment_id=appointment_id, provider=provider, external_id=external_id,
                           calendar_id=None if calendar == PRIMARY else calendar,
                           start=times[0], end=times[1], version=version, digest=digest, cancelled=int(cancelled),
                           GSI1PK=external_gsi(workspace_id, provider, external_id), GSI1SK="EVENT",
                           expires_at=now_epoch() + TOMBSTONE_S if cancelled else _epoch(times[1]) + PAST_KEPT_S)
    try:  # a newer appointment event applied meanwhile wins
        item.save(condition=SyncedEventItem.version.does_not_exist() | (SyncedEventItem.version < version))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        logger.info("a newer change of the appointment was applied first", extra={"appointment_id": appointment_id})


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _utc(value: str) -> str:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"an appointment time must carry its zone: {value!r}")
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
