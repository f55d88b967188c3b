"""Calendar: schedules, event types, appointments (owners), and the public booking page (no login)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.queues import process_sqs_batch
from leadpilot.api.urls import public_url
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.calendar import appointments, config, external, links, notify, public, reminders
else:  # domain modules load on first use: a cold start pays only for what its request needs
    appointments = lazy("leadpilot.calendar.appointments")
    config = lazy("leadpilot.calendar.config")
    external = lazy("leadpilot.calendar.external")
    links = lazy("leadpilot.calendar.links")
    notify = lazy("leadpilot.calendar.notify")
    public = lazy("leadpilot.calendar.public")
    reminders = lazy("leadpilot.calendar.reminders")

app = Chalice(app_name="leadpilot-calendar")
edge = Edge(app, "leadpilot.calendar")
ADMINS = ("owner", "admin")


# ---------------------------------------------------------------- schedules

@edge.route("/availability/schedules", "POST")
def create_schedule() -> Response:
    identity = edge.identity("write")
    return edge.created(config.create_schedule(edge.settings, identity, edge.body("schedule_create")))


@edge.route("/availability/schedules", "GET")
def list_schedules() -> dict[str, Any]:
    identity = edge.identity()
    return config.paged(config.list_schedules(identity), edge.limit(), edge.query("cursor"))


@edge.route("/availability/schedules/{schedule_id}", "GET")
def get_schedule(schedule_id: str) -> dict[str, Any]:
    return config.get_schedule(edge.identity(), parse_id(schedule_id, "schedule_id"))


@edge.route("/availability/schedules/{schedule_id}", "PATCH")
def update_schedule(schedule_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return config.update_schedule(edge.settings, identity, parse_id(schedule_id, "schedule_id"),
                                  edge.body("schedule_update"))


@edge.route("/availability/schedules/{schedule_id}", "DELETE")
def delete_schedule(schedule_id: str) -> Response:
    identity = edge.identity("write")
    config.delete_schedule(edge.settings, identity, parse_id(schedule_id, "schedule_id"))
    return edge.no_content()


# ---------------------------------------------------------------- event types

@edge.route("/event-types", "POST")
def create_event_type() -> Response:
    identity = edge.identity("write")
    return edge.created(config.create_event_type(edge.settings, identity, edge.body("event_type_create")))


@edge.route("/event-types", "GET")
def list_event_types() -> dict[str, Any]:
    identity = edge.identity()
    return config.paged(config.list_event_types(identity), edge.limit(), edge.query("cursor"))


@edge.route("/event-types/{event_type_id}", "GET")
def get_event_type(event_type_id: str) -> dict[str, Any]:
    return config.get_event_type(edge.identity(), parse_id(event_type_id, "event_type_id"))


@edge.route("/event-types/{event_type_id}", "PATCH")
def update_event_type(event_type_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    return config.update_event_type(edge.settings, identity, parse_id(event_type_id, "event_type_id"),
                                    edge.body("event_type_update"))


@edge.route("/event-types/{event_type_id}", "DELETE")
def delete_event_type(event_type_id: str) -> Response:
    identity = edge.identity("write")
    config.delete_event_type(edge.settings, identity, parse_id(event_type_id, "event_type_id"))
    return edge.no_content()


@edge.route("/booking-page", "GET")
def get_booking_page() -> dict[str, Any]:
    return public.booking_page(edge.identity())


@edge.route("/booking-page", "PUT")
def set_booking_page() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return public.set_booking_page(edge.settings, identity, edge.body("booking_page")["slug"])


# ---------------------------------------------------------------- appointments (owners)

@edge.route("/appointments", "GET")
def list_appointments() -> dict[str, Any]:
    """Appointments starting in [start, end) (ISO 8601 instants; default: the 31 days from today, UTC)."""
    identity = edge.identity()
    start, end, host = edge.query("start"), edge.query("end"), edge.query("host_id")
    items = appointments.list_appointments(identity.workspace_id, start, end,
                                           parse_id(host, "host_id") if host else None)
    return appointments.paged(items, edge.limit(), edge.query("cursor"))


@edge.route("/appointments/{appointment_id}", "GET")
def get_appointment(appointment_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return appointments.get_appointment(identity.workspace_id, parse_id(appointment_id, "appointment_id"))


@edge.route("/appointments/{appointment_id}/reschedule", "POST")
def reschedule_appointment(appointment_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    item = appointments.get_item(identity.workspace_id, parse_id(appointment_id, "appointment_id"))
    start = appointments.parse_start(edge.body("appointment_reschedule")["start"])
    moved = appointments.reschedule(edge.settings, item, start, identity.actor())
    _tell(identity.workspace_id, moved, "rescheduled")
    return moved


@edge.route("/appointments/{appointment_id}/cancel", "POST")
def cancel_appointment(appointment_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    item = appointments.get_item(identity.workspace_id, parse_id(appointment_id, "appointment_id"))
    reason = edge.body("appointment_cancel").get("reason")
    cancelled = appointments.cancel(edge.settings, item, identity.actor(), reason)
    _tell(identity.workspace_id, cancelled, "cancelled")
    return cancelled


def _outcome(appointment_id: str, status: str) -> dict[str, Any]:
    identity = edge.identity("write")
    item = appointments.get_item(identity.workspace_id, parse_id(appointment_id, "appointment_id"))
    return appointments.set_outcome(edge.settings, item, status, identity.actor())


@edge.route("/appointments/{appointment_id}/no-show", "POST")
def mark_no_show(appointment_id: str) -> dict[str, Any]:
    return _outcome(appointment_id, "no_show")


@edge.route("/appointments/{appointment_id}/complete", "POST")
def mark_completed(appointment_id: str) -> dict[str, Any]:
    return _outcome(appointment_id, "completed")


@edge.route("/appointments/{appointment_id}/confirm", "POST")
def confirm_appointment(appointment_id: str) -> dict[str, Any]:
    confirmed = _outcome(appointment_id, "booked")
    _tell(edge.identity().workspace_id, confirmed, "booked")
    return confirmed


# ---------------------------------------------------------------- the public booking page (no login)

@edge.route("/book/{workspace}/{slug}", "GET")
def booking_page(workspace: str, slug: str) -> dict[str, Any]:
    """Public: what the booking form shows."""
    return public.page(edge.settings, workspace, slug)


@edge.route("/book/{workspace}/{slug}/slots", "GET")
def booking_slots(workspace: str, slug: str) -> dict[str, Any]:
    """Public: the offered starts between two dates, in the booker's zone."""
    return public.slots(edge.settings, workspace, slug, edge.query("start"), edge.query("end"),
                        edge.query("timezone"), edge.int_query("duration", 5, 240))


@edge.route("/book/{workspace}/{slug}/holds", "POST")
def hold_slot(workspace: str, slug: str) -> Response:
    """Public: keep a slot for a few minutes while the form is filled in."""
    return edge.created(public.hold(edge.settings, workspace, slug, edge.body("public_hold")))


@edge.route("/book/{workspace}/{slug}/bookings", "POST")
def book_slot(workspace: str, slug: str) -> Response:
    """Public: book a slot; the contact is found or created; a confirmation goes out by email (and text)."""
    workspace_id, appointment, token = public.book(edge.settings, workspace, slug, edge.body("public_booking"))
    _tell(workspace_id, appointment, appointment["status"], token)
    return edge.created({"appointment": public.public_view(appointment), "manage_token": token,
                         "manage_url": _manage_url(token)})


@edge.route("/bookings/{token}", "GET")
def managed_appointment(token: str) -> dict[str, Any]:
    """Public: the appointment a signed link names (404 forged, 410 used)."""
    workspace_id, item = public.managed(edge.settings, token)
    return {"appointment": public.public_view(appointments.to_dict(item)),
            "page": public.page_of(workspace_id, item.event_type_id)}


@edge.route("/bookings/{token}/reschedule", "POST")
def reschedule_by_link(token: str) -> dict[str, Any]:
    """Public: move the appointment to another offered slot; the link is used up, a new one is sent."""
    workspace_id, item = public.managed(edge.settings, token)
    start = appointments.parse_start(edge.body("appointment_reschedule")["start"])
    moved = appointments.reschedule(edge.settings, item, start, _booker(item.contact_id))
    new_token = links.sign(edge.settings.jwt_secret, workspace_id, moved["id"], moved["version"])
    _tell(workspace_id, moved, "rescheduled", new_token)
    return {"appointment": public.public_view(moved), "manage_token": new_token, "manage_url": _manage_url(new_token)}


@edge.route("/bookings/{token}/cancel", "POST")
def cancel_by_link(token: str) -> dict[str, Any]:
    """Public: cancel the appointment; the link is used up."""
    workspace_id, item = public.managed(edge.settings, token)
    cancelled = appointments.cancel(edge.settings, item, _booker(item.contact_id),
                                    edge.body("appointment_cancel").get("reason"))
    _tell(workspace_id, cancelled, "cancelled")
    return {"appointment": public.public_view(cancelled)}


def _booker(contact_id: str) -> dict[str, str]:
    """The actor of a change made through a signed link: the booker (the contact), not a member."""
    return {"type": "system", "id": f"booker:{contact_id}"}


def _manage_url(token: str) -> str:
    """The booker's page for this link: the dashboard's public route (see links.app_base)."""
    request = app.current_request
    assert request is not None
    return f"{links.app_base(edge.settings, public_url(request, ''))}/app/book/manage/{token}"


def _tell(workspace_id: str, appointment: dict[str, Any], kind: str, token: str | None = None) -> None:
    """Email (and text) the booker; a new signed link goes with every message that leaves the appointment open."""
    if token is None and appointment["status"] in ("booked", "pending"):
        token = links.sign(edge.settings.jwt_secret, workspace_id, appointment["id"], appointment["version"])
    notify.send(edge.settings, workspace_id, appointment, kind, _manage_url(token) if token else None,
                f"{kind}-{appointment['version']}")


@app.lambda_function(name="fire_reminders")
def fire_reminders(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled every minute: send the appointment reminders that are due (catches up after downtime)."""
    return reminders.fire_due_reminders(edge.settings, datetime.now(UTC))


def _apply_external(record: Any) -> None:
    external.apply(edge.settings, json.loads(record.body)["detail"])


@app.lambda_function(name="on_external_change")
def on_external_change(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS consumer: an appointment moved or deleted in the host's Google or Outlook calendar follows there."""
    return process_sqs_batch(event, context, _apply_external)
