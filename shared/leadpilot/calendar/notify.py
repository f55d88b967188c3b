"""What the booker receives: an email with an .ics (confirmed, moved, cancelled, reminded) through the email
capability, and a text through the SMS send path when they agreed to texts. A message that cannot go out
(no sender yet, opted out, over the plan) is logged and skipped: the appointment stands either way."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from leadpilot.calendar.availability import instant
from leadpilot.email import provider as email_provider
from leadpilot.email import sending
from leadpilot.email.config import email_config
from leadpilot.errors import DomainError
from leadpilot.identity import store as identity_store
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.sms.config import messaging_config
from leadpilot.sms.send import SendRequest, queue_sms

ACTOR = {"type": "system", "id": "calendar"}
_WORDS = {"booked": ("Confirmed", "is booked"), "pending": ("Requested", "is requested; we will confirm it soon"),
          "rescheduled": ("Moved", "has moved"), "cancelled": ("Cancelled", "is cancelled"),
          "reminder": ("Reminder", "is coming up")}


def local_label(appointment: dict[str, Any]) -> str:
    """'Tue 5 May 2026, 10:00 (Europe/Paris)': the start in the booker's zone."""
    moment = instant(appointment["start"]).astimezone(ZoneInfo(appointment["timezone"]))
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} ({appointment['timezone']})"


def ics(appointment: dict[str, Any], business: str, cancelled: bool = False) -> str:
    """An iCalendar file of the appointment; SEQUENCE follows the version, so calendar apps take the update."""
    cal = Calendar()
    cal.add("prodid", "-//LeadPilot//Booking//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment['id']}@leadpilot")
    event.add("dtstamp", datetime.fromisoformat(appointment["updated_at"].replace("Z", "+00:00")))
    event.add("dtstart", instant(appointment["start"]))
    event.add("dtend", instant(appointment["end"]))
    event.add("sequence", int(appointment["version"]))
    event.add("summary", f"{appointment['event_type_name']} with {business}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    location = appointment.get("location") or {}
    if location.get("value"):
        event.add("location", location["value"])
    cal.add_component(event)
    return cal.to_ical().decode()


def send(settings: Settings, workspace_id: str, appointment: dict[str, Any], kind: str,
         manage_url: str | None, key: str, channels: tuple[str, ...] = ("email", "sms")) -> dict[str, Any]:
    """Email (and text, with consent) the booker about the appointment; what was sent, per channel."""
    workspace = identity_store.get_workspace_item(workspace_id)
    business = workspace.name if workspace else ""
    title, verb = _WORDS[kind]
    variables = {"event": appointment["event_type_name"], "business": business, "when": local_label(appointment),
                 "name": appointment["name"], "manage_url": manage_url or ""}
    result: dict[str, Any] = {}
    if "email" in channels:
        result["email"] = _email(settings, workspace_id, appointment, kind, title, verb, variables, business, key)
    if "sms" in channels and appointment.get("sms_consent") and appointment.get("phone"):
        result["sms"] = _text(settings, workspace_id, appointment, f"{title}: {variables['event']} with "
                              f"{business} {verb}, {variables['when']}." + (f" Change: {manage_url}"
                                                                             if manage_url else ""), key)
    return result


def _email(settings: Settings, workspace_id: str, appointment: dict[str, Any], kind: str, title: str, verb: str,
           variables: dict[str, str], business: str, key: str) -> str:
    body = ("Hello {{vars.name}},\n\nYour {{vars.event}} with {{vars.business}} " + verb
            + ": **{{vars.when}}**.")
    if variables["manage_url"] and kind != "cancelled":
        body += "\n\n[Reschedule or cancel]({{vars.manage_url}})"
    attachment = {"filename": "invite.ics", "content_type": "text/calendar",
                  "content": ics(appointment, business, cancelled=kind == "cancelled")}
    config = email_config()
    try:
        queued = sending.send_notice(settings, config, email_provider.provider(settings.region), workspace_id,
                                     appointment["contact_id"], f"{title}: {{{{vars.event}}}} - {{{{vars.when}}}}",
                                     body, variables, idempotency_key=f"appt|{appointment['id']}|{key}",
                                     attachments=(attachment,))
    except DomainError as exc:
        logger.warning("appointment email not sent", extra={"appointment_id": appointment["id"], "error": exc.code})
        return f"skipped:{exc.code}"
    return queued.status if queued.reason is None else f"{queued.status}:{queued.reason}"


def _text(settings: Settings, workspace_id: str, appointment: dict[str, Any], text: str, key: str) -> str:
    request = SendRequest(contact_id=appointment["contact_id"], body=text, actor=ACTOR, source="calendar",
                          idempotency_key=f"appt-{appointment['id']}-{key}"[:120], rendered=True)
    try:
        message, _ = queue_sms(settings, messaging_config(), workspace_id, request)
    except DomainError as exc:  # opted out, no number, over the plan: the booking stands
        logger.warning("appointment text not sent", extra={"appointment_id": appointment["id"], "error": exc.code})
        return f"skipped:{exc.code}"
    return str(message["status"])
