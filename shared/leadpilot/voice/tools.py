"""What the voice agent can do during a call: the OpenAI tool definitions and their implementations, each
through the capability that owns the data (contacts, calendar, tasks, notes, SMS)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from leadpilot.calendar import appointments, availability
from leadpilot.calendar import config as calendar_config
from leadpilot.contacts import store as contacts_store
from leadpilot.errors import DomainError
from leadpilot.identity.entities import Identity
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.voice import calls
from leadpilot.voice.models import CallItem
from leadpilot.voice.numbers import VoiceSettings

MAX_SLOTS = 6
ENDING = frozenset({"transfer_to_human", "end_call"})


@dataclass
class Session:
    """One call as the agent sees it: who, where, and what the agent may do."""

    settings: Settings
    call: CallItem
    config: VoiceSettings
    actions: list[dict[str, Any]] = field(default_factory=list)  # transfer / end, for the transport to carry out
    _identity: Identity | None = None

    @property
    def workspace_id(self) -> str:
        return self.call.workspace_id

    @property
    def identity(self) -> Identity:
        """Who the agent acts as, read on first use: most answers need no tool, and the first token waits for none."""
        if self._identity is None:
            from leadpilot.voice.answer import identity_of

            self._identity = identity_of(self.workspace_id)
        return self._identity

    def allowed(self) -> list[str]:
        return [t for t in self.config.config["tools"] if t in IMPLEMENTATIONS]


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_STR = {"type": "string"}
DEFINITIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "lookup_caller": ("The caller's contact record and recent history.", _object({}, [])),
    "check_availability": ("Open appointment slots from a day (YYYY-MM-DD, default today) for a few days.",
                           _object({"date": _STR}, [])),
    "book_appointment": ("Book the caller into an offered slot (ISO 8601 start from check_availability).",
                         _object({"start": _STR}, ["start"])),
    "reschedule_appointment": ("Move the caller's next appointment to another offered slot.",
                               _object({"start": _STR}, ["start"])),
    "cancel_appointment": ("Cancel the caller's next appointment.", _object({"reason": _STR}, [])),
    "create_task": ("Create a follow-up task for the team about this caller.", _object({"title": _STR}, ["title"])),
    "create_note": ("Save a note (a message the caller leaves) on the caller's record.",
                    _object({"body": _STR}, ["body"])),
    "send_sms": ("Text the caller (a confirmation, a link, an address).", _object({"body": _STR}, ["body"])),
    "transfer_to_human": ("Hand the call to a person of the team.", _object({"reason": _STR}, ["reason"])),
    "end_call": ("End the call after saying goodbye.", _object({"reason": _STR}, [])),
}


def openai_tools(session: Session) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": name, "description": DEFINITIONS[name][0],
                                              "parameters": DEFINITIONS[name][1], "strict": True}}
            for name in session.allowed()]


def run(session: Session, name: str, arguments: str, tool_call_id: str = "") -> dict[str, Any]:
    """Perform one tool call and record it as a turn; a refusal comes back to the model as {"error": ...}."""
    if name not in session.allowed():
        result: dict[str, Any] = {"error": f"{name} is not available on this call"}
    else:
        try:
            args = json.loads(arguments or "{}")
            result = IMPLEMENTATIONS[name](session, args if isinstance(args, dict) else {})
        except DomainError as exc:
            result = {"error": exc.message, "code": exc.code}
        except (ValueError, KeyError, TypeError) as exc:
            result = {"error": f"bad arguments: {exc}"}
        except Exception:  # the tool's boundary: the caller hears the agent explain, not silence
            logger.exception("a voice tool failed", extra={"tool": name, "call_id": session.call.call_id})
            result = {"error": "that action failed on our side; offer to take a message instead"}
    calls.add_turn(session.workspace_id, session.call.call_id, "tool", "", tool=name, tool_call_id=tool_call_id,
                   arguments=(arguments or "{}")[:2000], result=json.dumps(result, default=str)[:4000])
    return result


# -- implementations ------------------------------------------------------------------------------------------
def _contact(session: Session) -> Any:
    item = contacts_store.get_item(session.workspace_id, session.call.contact_id or "")
    return contacts_store.to_contact(item) if item is not None else None


def lookup_caller(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    contact = _contact(session)
    if contact is None:
        return {"known": False}
    recent, _ = calls.call_page(session.workspace_id, 20, None, contact_id=contact.id)
    upcoming = _upcoming(session)
    return {"known": True, "name": contact.display_name, "first_name": contact.first_name, "email": contact.email,
            "company": contact.company, "tags": contact.tags, "previous_calls": max(0, len(recent) - 1),
            "last_outcome": next((c["outcome"] for c in recent if c["outcome"]), None),
            "next_appointment": upcoming["start"] if upcoming else None}


def _event_type(session: Session) -> dict[str, Any]:
    chosen = session.config.config.get("event_type_id")
    if chosen:
        return calendar_config.event_type_dict(calendar_config.event_type_item(session.workspace_id, chosen))
    found = calendar_config.list_event_types(session.identity)
    if not found:
        raise DomainError("no appointment type is set up for booking", {"field": "event_type_id"})
    return found[0]


def slots(session: Session, day: datetime, days: int = 3) -> list[datetime]:
    event_type = _event_type(session)
    minutes = appointments.duration_of(event_type, None)
    now = datetime.now(UTC)
    start = max(day, now)
    per_host = availability.host_slots(session.workspace_id, event_type, minutes, start, start + timedelta(days=days),
                                       now, availability.default_source(session.settings))
    return sorted(availability.offered(event_type, per_host))[:MAX_SLOTS]


def check_availability(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    text = str(args.get("date") or "")
    day = datetime.fromisoformat(text).replace(tzinfo=UTC) if text else datetime.now(UTC)
    found = slots(session, day)
    return {"slots": [availability.iso(s) for s in found], "timezone": "UTC",
            "message": f"{len(found)} open slots" if found else "no open slots in the next days"}


def book_appointment(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    contact = _contact(session)
    if contact is None:
        return {"error": "the caller has no contact record"}
    booker = appointments.Booker(contact_id=contact.id, name=contact.display_name or "Caller",
                                 email=contact.email or "", timezone="UTC", phone=contact.phone)
    booked = appointments.book(session.settings, session.workspace_id, _event_type(session),
                               appointments.parse_start(str(args["start"])), None, booker,
                               session.identity.actor(), "voice")
    return {"appointment_id": booked["id"], "start": booked["start"], "status": booked["status"],
            "message": f"booked for {booked['start']}"}


def _upcoming(session: Session) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    found = appointments.list_appointments(session.workspace_id, availability.iso(now),
                                           availability.iso(now + timedelta(days=60)))
    return next((a for a in found if a["contact_id"] == session.call.contact_id
                 and a["status"] in ("booked", "pending", "confirmed")), None)


def reschedule_appointment(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    upcoming = _upcoming(session)
    if upcoming is None:
        return {"error": "the caller has no upcoming appointment"}
    item = appointments.get_item(session.workspace_id, upcoming["id"])
    moved = appointments.reschedule(session.settings, item, appointments.parse_start(str(args["start"])),
                                    session.identity.actor())
    return {"appointment_id": moved["id"], "start": moved["start"], "message": f"moved to {moved['start']}"}


def cancel_appointment(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    upcoming = _upcoming(session)
    if upcoming is None:
        return {"error": "the caller has no upcoming appointment"}
    item = appointments.get_item(session.workspace_id, upcoming["id"])
    appointments.cancel(session.settings, item, session.identity.actor(), args.get("reason") or "cancelled by phone")
    return {"appointment_id": upcoming["id"], "status": "cancelled", "message": "cancelled"}


def create_task(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    from leadpilot.identity import store as identity_store
    from leadpilot.tasks import service as tasks_service

    body: dict[str, Any] = {"title": str(args["title"])[:200], "status": "open", "priority": "normal"}
    owner = next((m.user_id for m in identity_store.members_of(session.workspace_id) if m.role == "owner"), None)
    if owner:  # a call-back nobody owns would wait forever
        body["assignee_id"] = owner
    if session.call.contact_id:
        body["related_to"] = {"type": "contact", "id": session.call.contact_id}
    task = tasks_service.create_task(session.settings, session.identity, body)
    return {"task_id": task.id, "message": "task created"}


def create_note(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    from leadpilot.notes import service as notes_service

    if not session.call.contact_id:
        return {"error": "the caller has no contact record"}
    note = notes_service.create_note(session.settings, session.identity,
                                     {"contact_id": session.call.contact_id, "body": str(args["body"])[:5000]})
    return {"note_id": note["id"], "message": "note saved"}


def send_sms(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    from leadpilot.sms.config import messaging_config
    from leadpilot.sms.send import SendRequest, queue_sms

    if not session.call.contact_id:
        return {"error": "the caller has no contact record"}
    request = SendRequest(contact_id=session.call.contact_id, body=str(args["body"])[:1000],
                          actor=session.identity.actor(), source="automation", rendered=True,
                          idempotency_key=f"call-{session.call.call_id}-{_digest(str(args['body']))}")
    message, _ = queue_sms(session.settings, messaging_config(), session.workspace_id, request)
    return {"message_id": message["id"], "status": message["status"], "message": "text queued"}


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def transfer_to_human(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    number = session.config.config.get("fallback_number")
    if not number:
        return {"error": "no one is available to take the call"}
    session.actions.append({"type": "transfer", "reason": str(args.get("reason") or "caller asked")[:300],
                            "to": number})
    return {"status": "transferring", "message": "transferring to a person"}


def end_call(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    session.actions.append({"type": "end", "reason": str(args.get("reason") or "conversation finished")[:300]})
    return {"status": "ending", "message": "the call will end after the goodbye"}


IMPLEMENTATIONS: dict[str, Callable[[Session, dict[str, Any]], dict[str, Any]]] = {
    "lookup_caller": lookup_caller, "check_availability": check_availability, "book_appointment": book_appointment,
    "reschedule_appointment": reschedule_appointment, "cancel_appointment": cancel_appointment,
    "create_task": create_task, "create_note": create_note, "send_sms": send_sms,
    "transfer_to_human": transfer_to_human, "end_call": end_call,
}
