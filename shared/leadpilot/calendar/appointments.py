"""Appointments: book, reschedule, cancel, mark no-show or completed, list by time. Each change is one transaction
with its slot claims, its by-time view row and its domain event (appointment.booked / .rescheduled / ...)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.api.cursors import decode_cursor, slice_page
from leadpilot.calendar import availability, claims, config
from leadpilot.calendar.availability import appointments_pk, instant, iso
from leadpilot.calendar.models import AppointmentItem, AppointmentViewItem, HostLoadItem, SlotClaimItem
from leadpilot.calendar.reminder_items import reminder_items
from leadpilot.calendar.slots import HostLoad, pick_host
from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings

ACTIVE = ("booked", "pending")
MAX_RANGE = timedelta(days=62)


def appointment_pk(workspace_id: str, appointment_id: str) -> str:
    return f"WS#{workspace_id}#CAL#APPT#{appointment_id}"


@dataclass
class Booker:
    """Who books, as the public form (or the API) gives it; the contact is already found or created."""

    contact_id: str
    name: str
    email: str
    timezone: str
    phone: str | None = None
    sms_consent: bool = False
    answers: dict[str, str] = field(default_factory=dict)


def to_dict(item: AppointmentItem) -> dict[str, Any]:
    return {"id": item.appointment_id, "event_type_id": item.event_type_id, "event_type_name": item.event_type_name,
            "host_id": item.host_id, "host_ids": list(item.host_ids), "contact_id": item.contact_id,
            "start": item.start, "end": item.end, "timezone": item.timezone, "status": item.status,
            "name": item.name, "email": item.email, "phone": item.phone, "sms_consent": bool(item.sms_consent),
            "answers": json.loads(item.answers), "location": json.loads(item.location),
            "cancel_reason": item.cancel_reason, "source": item.source, "created_at": item.created_at,
            "updated_at": item.updated_at, "version": int(item.version)}


def event_data(appointment: dict[str, Any]) -> dict[str, Any]:
    """An appointment event's data: the appointment, and at the top what flows read (trigger.data.starts_at)."""
    return {"appointment_id": appointment["id"], "contact_id": appointment["contact_id"],
            "event_type_id": appointment["event_type_id"],
            "host_id": appointment["host_id"], "starts_at": appointment["start"], "ends_at": appointment["end"],
            "timezone": appointment["timezone"], "status": appointment["status"], "appointment": appointment}


def parse_start(value: str, field_name: str = "start") -> datetime:
    """An ISO 8601 instant with an offset (or Z), as the slots list gives it; else a 422 naming the field."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed.field(field_name, "is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise ValidationFailed.field(field_name, "needs an offset (for example Z or +02:00)")
    return moment.astimezone(UTC)


def duration_of(event_type: dict[str, Any], duration: int | None) -> int:
    if duration is None:
        return int(event_type["durations"][0])
    if duration not in event_type["durations"]:
        raise ValidationFailed.field("duration", f"must be one of {event_type['durations']}")
    return duration


def free_hosts(workspace_id: str, event_type: dict[str, Any], duration: int, start: datetime, now: datetime,
                exclude: str | None = None, only: list[str] | None = None) -> list[str]:
    """The hosts who can take `start`; a 422 naming `start` when it is no slot at all, 409 when it is taken."""
    notice = now + timedelta(minutes=event_type["min_notice_minutes"])
    if start < notice:
        raise ValidationFailed.field("start", "is inside the minimum notice")
    if start >= now + timedelta(days=event_type["window_days"]):
        raise ValidationFailed.field("start", "is outside the booking window")
    source = availability.default_source()
    end = start + timedelta(minutes=1)
    per_host = availability.host_slots(workspace_id, event_type, duration, start, end, now, source, exclude)
    if only is not None:
        per_host = {h: s for h, s in per_host.items() if h in only}
    hosts = availability.offered(event_type, per_host).get(start)
    if hosts:
        return hosts
    bare = availability.host_slots(workspace_id, event_type, duration, start, end, now, source, with_busy=False)
    if only is not None:
        bare = {h: s for h, s in bare.items() if h in only}
    if availability.offered(event_type, bare).get(start):
        raise claims.SlotTaken()
    raise ValidationFailed.field("start", "is not an offered slot")


def _loads(workspace_id: str, event_type_id: str) -> dict[str, HostLoad]:
    items = HostLoadItem.query(f"WS#{workspace_id}#CAL#ET#{event_type_id}#LOAD", consistent_read=True)
    return {i.SK.removeprefix("HOST#"): HostLoad(i.SK.removeprefix("HOST#"), i.last_booked_at, int(i.bookings))
            for i in items}


def candidates(workspace_id: str, event_type: dict[str, Any], free: list[str]) -> list[list[str]]:
    """The host sets to try in order: every host at once (collective), else one host at a time by rank."""
    if event_type["assignment"] == "collective":
        return [free]
    loads = _loads(workspace_id, event_type["id"])
    weights = event_type.get("weights") or {}
    loads = {h: HostLoad(h, loads[h].last_booked_at if h in loads else None,
                         loads[h].bookings if h in loads else 0, int(weights.get(h, 1))) for h in free}
    order: list[list[str]] = []
    remaining = list(free)
    while remaining:
        host = pick_host(remaining, loads)
        order.append([host])
        remaining.remove(host)
    return order


def book(settings: Settings, workspace_id: str, event_type: dict[str, Any], start: datetime, duration: int | None,
         booker: Booker, actor: dict[str, str], source: str, hold_id: str | None = None,
         now: datetime | None = None) -> dict[str, Any]:
    """Book `start` for the booker: exactly one booking per slot per host (409 slot_taken for the others)."""
    now = now or datetime.now(UTC)
    minutes = duration_of(event_type, duration)
    free = free_hosts(workspace_id, event_type, minutes, start, now)
    for hosts in candidates(workspace_id, event_type, free):
        try:
            return _commit_booking(settings, workspace_id, event_type, start, minutes, hosts, booker, actor, source,
                                   hold_id)
        except claims.SlotTaken:
            continue
    metrics.add_metric(name="AppointmentSlotTaken", unit="Count", value=1)
    raise claims.SlotTaken()


def _commit_booking(settings: Settings, workspace_id: str, event_type: dict[str, Any], start: datetime,
                    minutes: int, hosts: list[str], booker: Booker, actor: dict[str, str], source: str,
                    hold_id: str | None) -> dict[str, Any]:
    end = start + timedelta(minutes=minutes)
    aid, at = new_id(), now_iso()
    claim_keys = claims.keys(workspace_id, hosts, start, end)
    item = AppointmentItem(appointment_pk(workspace_id, aid), "APPT", appointment_id=aid, workspace_id=workspace_id,
                           event_type_id=event_type["id"], event_type_name=event_type["name"], host_id=hosts[0],
                           host_ids=hosts, contact_id=booker.contact_id, start=iso(start), end=iso(end),
                           timezone=booker.timezone, status="pending" if event_type["confirmation_required"]
                           else "booked", name=booker.name, email=booker.email, phone=booker.phone,
                           sms_consent=booker.sms_consent, answers=json.dumps(booker.answers),
                           location=json.dumps(event_type["location"]), claims=claim_keys, source=source,
                           created_at=at, updated_at=at, version=1)
    appointment = to_dict(item)
    event = event_item(workspace_id, actor, "appointment.booked", event_data(appointment),
                       contact_id=booker.contact_id)
    try:
        with transaction(settings) as txn:
            txn.save(item, condition=AppointmentItem.PK.does_not_exist())
            txn.save(_view(item))
            for pk in claim_keys:
                txn.save(SlotClaimItem(pk, "CLAIM", appointment_id=aid), condition=claims.free_condition(hold_id))
            for host in hosts:
                load = HostLoadItem(f"WS#{workspace_id}#CAL#ET#{event_type['id']}#LOAD", f"HOST#{host}")
                txn.update(load, actions=[HostLoadItem.bookings.add(1), HostLoadItem.last_booked_at.set(at),
                                          HostLoadItem.kind.set(HostLoadItem)])
            for reminder in reminder_items(item, event_type):
                txn.save(reminder)
            txn.save(event)
    except TransactWriteError as exc:
        if claims.is_conflict(exc):
            raise claims.SlotTaken() from exc
        raise
    publish_now(settings, [event])
    metrics.add_metric(name="AppointmentBooked", unit="Count", value=1)
    return appointment


def _view(item: AppointmentItem) -> AppointmentViewItem:
    return AppointmentViewItem(appointments_pk(item.workspace_id), f"{item.start}#{item.appointment_id}",
                               appointment_id=item.appointment_id, host_ids=list(item.host_ids), end=item.end,
                               status=item.status)


def get_item(workspace_id: str, appointment_id: str) -> AppointmentItem:
    try:
        return AppointmentItem.get(appointment_pk(workspace_id, appointment_id), "APPT", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("appointment not found", {"field": "appointment_id"}) from exc


def get_appointment(workspace_id: str, appointment_id: str) -> dict[str, Any]:
    return to_dict(get_item(workspace_id, appointment_id))


def list_appointments(workspace_id: str, start_text: str | None, end_text: str | None,
                      host_id: str | None = None) -> list[dict[str, Any]]:
    """The appointments starting in [start, end) (not cancelled), by start: one Query and one BatchGet."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = parse_start(start_text, "start") if start_text else today
    end = parse_start(end_text, "end") if end_text else start + timedelta(days=31)
    if end <= start:
        raise ValidationFailed.field("end", "must be after start")
    if end - start > MAX_RANGE:
        raise ValidationFailed.field("end", "the range may span 62 days at most")
    rows = AppointmentViewItem.query(appointments_pk(workspace_id),
                                     AppointmentViewItem.SK.between(iso(start), iso(end - timedelta(seconds=1)) + "~"),
                                     consistent_read=True)
    keys = [(appointment_pk(workspace_id, r.appointment_id), "APPT") for r in rows
            if host_id is None or host_id in r.host_ids]
    found = {i.appointment_id: i for i in AppointmentItem.batch_get(keys, consistent_read=True)} if keys else {}
    items = [found[pk.rsplit("#", 1)[1]] for pk, _ in keys if pk.rsplit("#", 1)[1] in found]
    return [to_dict(i) for i in items]


_POSITION = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z#[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def paged(items: list[dict[str, Any]], limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of a range's appointments, in start order (the cursor carries only `<start>#<id>`)."""
    page, next_cursor = slice_page(items, limit, decode_cursor(cursor, _POSITION.match),
                                   lambda a: f"{a['start']}#{a['id']}")
    return {"items": page, "next_cursor": next_cursor}


def _change(settings: Settings, item: AppointmentItem, actor: dict[str, str], event_type: str,
            data: dict[str, Any], ops: Any) -> dict[str, Any]:
    """Commit one change of an appointment (conditional on its version) with its event; 409 when it moved.
    `ops(txn)` adds the change's other items and sees the item at its new version."""
    version = int(item.version)
    item.version, item.updated_at = version + 1, now_iso()
    appointment = to_dict(item)
    event = event_item(item.workspace_id, actor, event_type, {**event_data(appointment), **data},
                       contact_id=item.contact_id)
    try:
        with transaction(settings) as txn:
            txn.save(item, condition=AppointmentItem.version == version)
            ops(txn)
            txn.save(event)
    except TransactWriteError as exc:
        reasons = list(exc.cancellation_reasons or [])
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise Conflict("the appointment was changed by another request; retry",
                           {"reason": "concurrent_modification"}) from exc
        if claims.is_conflict(exc):
            raise claims.SlotTaken() from exc
        raise
    publish_now(settings, [event])
    return appointment


def _require_active(item: AppointmentItem) -> None:
    if item.status not in ACTIVE:
        raise Conflict(f"the appointment is {item.status}", {"field": "status", "status": item.status})


def reschedule(settings: Settings, item: AppointmentItem, start: datetime, actor: dict[str, str],
               now: datetime | None = None) -> dict[str, Any]:
    """Move an appointment to another offered slot of the same host(s): claims and reminders move with it."""
    _require_active(item)
    now = now or datetime.now(UTC)
    ws = item.workspace_id
    event_type = config.event_type_dict(config.event_type_item(ws, item.event_type_id))
    minutes = int((instant(item.end) - instant(item.start)).total_seconds() // 60)
    hosts = [str(h) for h in item.host_ids]
    if event_type["assignment"] == "collective":
        free_hosts(ws, {**event_type, "durations": [minutes]}, minutes, start, now, exclude=item.appointment_id)
    else:
        free_hosts(ws, {**event_type, "assignment": "single", "hosts": hosts, "durations": [minutes]}, minutes,
                    start, now, exclude=item.appointment_id, only=hosts)
    return move(settings, item, start, start + timedelta(minutes=minutes), actor, event_type)


def move(settings: Settings, item: AppointmentItem, start: datetime, end: datetime, actor: dict[str, str],
         event_type: dict[str, Any] | None, extra: Any = None) -> dict[str, Any]:
    """Commit the appointment at [start, end) (the caller decided the time may be taken): the claims it keeps stay,
    the others are freed and the new ones claimed (SlotTaken when another booking has one), reminders move.
    `extra(txn)` adds the caller's own items to the transaction."""
    ws, hosts = item.workspace_id, [str(h) for h in item.host_ids]
    old_start, old_end = item.start, item.end
    old_keys, new_keys = [str(k) for k in item.claims], claims.keys(ws, hosts, start, end)
    old_view = _view(item)
    item.start, item.end, item.claims = iso(start), iso(end), new_keys  # type: ignore[assignment]

    def ops(txn: Any) -> None:
        txn.delete(old_view)
        txn.save(_view(item))
        for pk in set(old_keys) - set(new_keys):
            txn.delete(SlotClaimItem(pk, "CLAIM"), condition=SlotClaimItem.appointment_id == item.appointment_id)
        for pk in new_keys:
            if pk not in old_keys:
                txn.save(SlotClaimItem(pk, "CLAIM", appointment_id=item.appointment_id),
                         condition=claims.free_condition(None))
        for reminder in reminder_items(item, event_type) if event_type else []:  # after _change set the version
            txn.save(reminder)  # same keys, new time and version: the old ones are overwritten
        if extra is not None:
            extra(txn)

    return _change(settings, item, actor, "appointment.rescheduled",
                   {"from": {"start": old_start, "end": old_end}, "to": {"start": item.start, "end": item.end}}, ops)


def cancel(settings: Settings, item: AppointmentItem, actor: dict[str, str], reason: str | None,
           extra: Any = None) -> dict[str, Any]:
    """Cancel: the time is free again at once, and its reminders are gone (`extra(txn)`: as for move)."""
    _require_active(item)
    old_view, old_keys = _view(item), list(item.claims)
    event_type = event_type_or_none(item)
    item.status, item.cancel_reason, item.claims = "cancelled", (reason or "").strip() or None, []

    def ops(txn: Any) -> None:
        txn.delete(old_view)
        for pk in old_keys:
            txn.delete(SlotClaimItem(pk, "CLAIM"), condition=SlotClaimItem.appointment_id == item.appointment_id)
        if event_type is not None:
            for reminder in reminder_items(item, event_type):
                txn.delete(reminder)
        if extra is not None:
            extra(txn)

    return _change(settings, item, actor, "appointment.cancelled", {"reason": item.cancel_reason}, ops)


def event_type_or_none(item: AppointmentItem) -> dict[str, Any] | None:
    try:
        return config.event_type_dict(config.event_type_item(item.workspace_id, item.event_type_id))
    except NotFound:
        return None


def set_outcome(settings: Settings, item: AppointmentItem, status: str, actor: dict[str, str]) -> dict[str, Any]:
    """Mark a booked appointment no_show or completed (or confirm a pending one: booked)."""
    if status == "booked":
        if item.status != "pending":
            raise Conflict("only a pending appointment can be confirmed", {"field": "status", "status": item.status})
    else:
        _require_active(item)
    item.status = status
    event = {"no_show": "appointment.no_show", "completed": "appointment.completed",
             "booked": "appointment.confirmed"}[status]
    view = _view(item)
    event_type = event_type_or_none(item) if status == "booked" else None

    def ops(txn: Any) -> None:
        txn.save(view)
        for reminder in reminder_items(item, event_type) if event_type else []:  # of the new version
            txn.save(reminder)  # a confirmed appointment keeps its reminders (now of the new version)

    return _change(settings, item, actor, event, {}, ops)

