"""The public booking page: no login. A workspace is named by its booking slug (or id), an event type by its
slug; every lookup is keyed by that workspace, so one tenant's URL never reaches another's data. Each request
counts against the workspace's public rate window (429 beyond it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.calendar import appointments, availability, claims, config, links
from leadpilot.calendar.appointments import Booker
from leadpilot.calendar.models import BookingPageItem, BookingPagePointerItem
from leadpilot.contact_points import normalize_email, normalize_phone
from leadpilot.contacts import service as contacts
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ContactClaimItem
from leadpilot.errors import Conflict, DomainError, NotFound, ValidationFailed
from leadpilot.identity import rate_limit
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity, Workspace
from leadpilot.ids import is_valid_id
from leadpilot.settings import Settings

MAX_DAYS = 31


@dataclass(frozen=True)
class BookerIdentity(Identity):
    """Whoever books on a public page: what it creates is attributed to the booking page, not to a person."""

    event_type_id: str = ""

    def actor(self) -> dict[str, str]:
        return {"type": "system", "id": f"booking:{self.event_type_id}"}


# ---------------------------------------------------------------- the workspace's booking slug

def set_booking_page(settings: Settings, identity: Identity, slug: str) -> dict[str, Any]:
    """PUT /calendar/booking-page: the workspace's slug in public URLs (unique across workspaces)."""
    ws = identity.workspace_id
    current = booking_page(identity)["slug"]
    if current == slug:
        return {"slug": slug}
    try:
        with transaction(settings) as txn:
            txn.save(BookingPageItem(f"CALPAGE#{slug}", "PAGE", workspace_id=ws),
                     condition=BookingPageItem.PK.does_not_exist())
            txn.save(BookingPagePointerItem(f"WS#{ws}#CAL#SETTINGS", "PAGE", slug=slug))
            if current:
                txn.delete(BookingPageItem(f"CALPAGE#{current}", "PAGE"))
    except TransactWriteError as exc:
        if claims.is_conflict(exc):
            raise Conflict("another workspace uses this slug", {"field": "slug"}) from exc
        raise
    return {"slug": slug}


def booking_page(identity: Identity) -> dict[str, Any]:
    try:
        item = BookingPagePointerItem.get(f"WS#{identity.workspace_id}#CAL#SETTINGS", "PAGE", consistent_read=True)
        return {"slug": item.slug}
    except DoesNotExist:
        return {"slug": None}


def _workspace(settings: Settings, name: str, scope: str) -> Workspace:
    """The workspace a public URL names (booking slug or id), admitted by its public rate limit; else 404."""
    workspace_id: str | None = name if is_valid_id(name) else None
    if workspace_id is None and 2 < len(name) <= 48:
        try:
            workspace_id = str(BookingPageItem.get(f"CALPAGE#{name}", "PAGE").workspace_id)
        except DoesNotExist:
            workspace_id = None
    item = identity_store.get_workspace_item(workspace_id) if workspace_id else None
    if item is None or workspace_id is None or item.status != "active":
        raise NotFound("no such booking page", {"field": "workspace"})
    rate_limit.admit_public(settings, workspace_id, scope)
    return identity_store.to_workspace(item)


def _event_type(workspace: Workspace, slug: str) -> dict[str, Any]:
    event_type = config.event_type_by_slug(workspace.id, slug) if len(slug) <= 64 else None
    if event_type is None:
        raise NotFound("no such booking page", {"field": "slug"})
    return event_type


def page(settings: Settings, workspace_name: str, slug: str) -> dict[str, Any]:
    """GET /book/{workspace}/{slug}: what the booking form shows (never the hosts or the location's details)."""
    workspace = _workspace(settings, workspace_name, "read")
    et = _event_type(workspace, slug)
    return {"workspace": {"name": workspace.name}, "event_type": {
        "name": et["name"], "slug": et["slug"], "description": et["description"], "durations": et["durations"],
        "location_kind": et["location"]["kind"], "questions": et["questions"],
        "confirmation_required": et["confirmation_required"], "window_days": et["window_days"]}}


def _day(value: str | None, field: str, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed.field(field, "is not a date (YYYY-MM-DD)") from exc


def slots(settings: Settings, workspace_name: str, slug: str, start: str | None, end: str | None,
          timezone: str | None, duration: int | None, now: datetime | None = None) -> dict[str, Any]:
    """GET .../slots: the offered starts from the start date to the end date (inclusive) in the booker's zone
    (default: the week from today)."""
    workspace = _workspace(settings, workspace_name, "read")
    et = _event_type(workspace, slug)
    zone = config.zone(timezone or "UTC")
    now = now or datetime.now(UTC)
    first = _day(start, "start", now.astimezone(zone).date())
    last = _day(end, "end", first + timedelta(days=6))
    if last < first:
        raise ValidationFailed.field("end", "must not be before start")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed.field("end", f"the range may span {MAX_DAYS} days at most")
    minutes = appointments.duration_of(et, duration)
    lo = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    per_host = availability.host_slots(workspace.id, et, minutes, lo, hi, now, availability.default_source())
    found = availability.offered(et, per_host)
    return {"timezone": zone.key, "duration": minutes,
            "slots": [{"start": availability.iso(s), "local": s.astimezone(zone).isoformat()} for s in found]}


def hold(settings: Settings, workspace_name: str, slug: str, body: dict[str, Any],
         now: datetime | None = None) -> dict[str, Any]:
    """POST .../holds: keep an offered slot for a few minutes (of the host round-robin would give it to)."""
    workspace = _workspace(settings, workspace_name, "write")
    et = _event_type(workspace, slug)
    start = appointments.parse_start(body["start"])
    minutes = appointments.duration_of(et, body.get("duration"))
    now = now or datetime.now(UTC)
    free = appointments.free_hosts(workspace.id, et, minutes, start, now)
    hosts = appointments.candidates(workspace.id, et, free)[0]
    return claims.hold(settings, workspace.id, hosts, start, start + timedelta(minutes=minutes))


def _answers(et: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    questions = {q["id"]: q for q in et["questions"]}
    for key in given:
        if key not in questions:
            raise ValidationFailed.field(f"answers/{key}", "is not a question of this booking form")
    for qid, question in questions.items():
        value = (given.get(qid) or "").strip()
        if question.get("required") and not value:
            raise ValidationFailed.field(f"answers/{qid}", "is required")
        if value and question.get("type") == "select" and value not in question.get("options", []):
            raise ValidationFailed.field(f"answers/{qid}", "is not one of the options")
    return {k: v.strip() for k, v in given.items() if v.strip()}


def _claimed(workspace_id: str, field: str, value: str) -> str | None:
    try:
        return str(ContactClaimItem.get(contacts_store.claim_key(workspace_id, field, value), "CLAIM").contact_id)
    except DoesNotExist:
        return None


def find_or_create_contact(settings: Settings, identity: Identity, name: str, email: str,
                           phone: str | None) -> str:
    """The contact with this email (or phone), else a new one: the contacts capability's own dedupe claims."""
    ws = identity.workspace_id
    for field, value in (("email", email), ("phone", phone)):
        found = _claimed(ws, field, value) if value else None
        if found:
            return found
    first, _, last = name.strip().partition(" ")
    body: dict[str, Any] = {"first_name": first[:100], "email": email, "source": "booking"}
    if last.strip():
        body["last_name"] = last.strip()[:100]
    if phone:
        body["phone"] = phone
    try:
        return contacts.create_contact(settings, identity, body).id
    except DomainError as exc:
        if exc.status != 409:
            raise
        for field, value in (("email", email), ("phone", phone)):  # created meanwhile by a concurrent booking
            found = _claimed(ws, field, value) if value else None
            if found:
                return found
        raise


def book(settings: Settings, workspace_name: str, slug: str, body: dict[str, Any],
         now: datetime | None = None) -> tuple[str, dict[str, Any], str]:
    """POST .../bookings: validate, find or create the contact, book the slot: (workspace, appointment, link)."""
    workspace = _workspace(settings, workspace_name, "write")
    et = _event_type(workspace, slug)
    zone = config.zone(body["timezone"])
    start = appointments.parse_start(body["start"])
    minutes = appointments.duration_of(et, body.get("duration"))
    email = normalize_email(body["email"])
    phone = normalize_phone(body["phone"], workspace.default_region) if body.get("phone") else None
    if body.get("sms_consent") and not phone:
        raise ValidationFailed.field("phone", "is needed to receive texts")
    answers = _answers(et, body.get("answers") or {})
    now = now or datetime.now(UTC)
    appointments.free_hosts(workspace.id, et, minutes, start, now)  # a bad slot is refused before a contact is made
    identity = BookerIdentity(workspace=workspace, principal_type="api_key", principal_id=f"booking:{et['id']}",
                              role=None, scopes=frozenset({"read", "write"}), event_type_id=et["id"])
    contact_id = find_or_create_contact(settings, identity, body["name"], email, phone)
    booker = Booker(contact_id=contact_id, name=body["name"].strip(), email=email, timezone=zone.key, phone=phone,
                    sms_consent=bool(body.get("sms_consent")), answers=answers)
    appointment = appointments.book(settings, workspace.id, et, start, minutes, booker, identity.actor(), "public",
                                    hold_id=body.get("hold_id"), now=now)
    return workspace.id, appointment, links.sign(settings.jwt_secret, workspace.id, appointment["id"],
                                                 appointment["version"])


def public_view(appointment: dict[str, Any]) -> dict[str, Any]:
    """What the booker sees of their appointment."""
    return {key: appointment[key] for key in ("id", "event_type_name", "start", "end", "timezone", "status",
                                              "name", "version")}


def managed(settings: Settings, token: str) -> tuple[str, Any]:
    """The appointment a manage link names, as it still is: 404 forged, 410 used (moved or cancelled since)."""
    workspace_id, appointment_id, version = links.verify(settings.jwt_secret, token)
    try:
        item = appointments.get_item(workspace_id, appointment_id)
    except NotFound as exc:
        raise NotFound("no such booking link", {"field": "token"}) from exc
    if int(item.version) != version or item.status not in appointments.ACTIVE:
        raise links.LinkUsed("this link was already used: the appointment changed since it was sent",
                             {"field": "token", "status": item.status})
    rate_limit.admit_public(settings, workspace_id, "write")
    return workspace_id, item


def booking_path(workspace_id: str, event_type_id: str) -> dict[str, str]:
    """The public page of an event type: the workspace's booking slug (else its id) and the event type's slug."""
    item = config.event_type_item(workspace_id, event_type_id)
    try:
        page_name = str(BookingPagePointerItem.get(f"WS#{workspace_id}#CAL#SETTINGS", "PAGE").slug)
    except DoesNotExist:
        page_name = workspace_id
    return {"workspace": page_name, "slug": str(item.slug)}


def booking_url(workspace_id: str, event_type_id: str, base: str) -> str:
    """The public booking page's URL (the dashboard's public route)."""
    path = booking_path(workspace_id, event_type_id)
    return f"{base.rstrip('/')}/app/book/{path['workspace']}/{path['slug']}"


def page_of(workspace_id: str, event_type_id: str) -> dict[str, str] | None:
    """Where the booker picks a new time (None once the event type is gone)."""
    try:
        return booking_path(workspace_id, event_type_id)
    except NotFound:
        return None
