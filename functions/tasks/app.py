"""Tasks: HTTP routes, the calendar feed and the reminder scheduler (rate(1 minute))."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.urls import public_url
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.tasks import bulk, calendar, reminders, service
else:  # domain modules load on first use: a cold start pays only for what its request needs
    bulk = lazy("leadpilot.tasks.bulk")
    calendar = lazy("leadpilot.tasks.calendar")
    reminders = lazy("leadpilot.tasks.reminders")
    service = lazy("leadpilot.tasks.service")

app = Chalice(app_name="leadpilot-tasks")
edge = Edge(app, "leadpilot.tasks")


@edge.route("/tasks", "POST")
def create_task() -> Response:
    identity = edge.identity("write")
    return edge.created(service.create_task(edge.settings, identity, edge.body("task_create")).to_dict())


@edge.route("/tasks", "GET")
def list_tasks() -> dict[str, Any]:
    identity = edge.identity()
    contact_id = edge.query("contact_id")
    if contact_id is not None:  # a contact's tasks (its profile), whatever their status and assignee
        items, cursor = service.contact_tasks(identity, parse_id(contact_id, "contact_id"), edge.limit(),
                                              edge.query("cursor"))
        return {"items": [t.to_dict() for t in items], "next_cursor": cursor}
    items, cursor = service.list_tasks(identity, edge.query("view"), edge.query("due_after"),
                                       edge.query("due_before"), edge.limit(), edge.query("cursor"))
    return {"items": [t.to_dict() for t in items], "next_cursor": cursor}


@edge.route("/tasks/bulk", "POST")
def bulk_update() -> dict[str, Any]:
    identity = edge.identity("write")
    return bulk.bulk_update(edge.settings, identity, edge.body("task_bulk"))


@edge.route("/tasks/{task_id}", "GET")
def get_task(task_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return service.get_task(identity, parse_id(task_id, "task_id")).to_dict()


@edge.route("/tasks/{task_id}", "PATCH")
def update_task(task_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    tid = parse_id(task_id, "task_id")
    return service.update_task(edge.settings, identity, tid, edge.body("task_update")).to_dict()


@edge.route("/tasks/{task_id}", "DELETE")
def delete_task(task_id: str) -> Response:
    identity = edge.identity("write")
    service.delete_task(edge.settings, identity, parse_id(task_id, "task_id"))
    return edge.no_content()


@edge.route("/me/calendar-feed", "POST")
def create_calendar_feed() -> Response:
    identity = edge.identity("write")
    feed = calendar.create_feed(edge.settings, identity)
    return edge.created({**feed, "url": _absolute(feed["path"])})


@edge.route("/me/calendar-feed", "GET")
def calendar_feed_status() -> dict[str, Any]:
    """Whether my feed link is on (the link itself is shown only when it is made)."""
    return calendar.feed_status(edge.identity())


@edge.route("/me/calendar-feed", "DELETE")
def revoke_calendar_feed() -> Response:
    calendar.revoke_feed(edge.settings, edge.identity("write"))
    return edge.no_content()


@edge.route("/calendar/{feed_token}", "GET")
def calendar_feed(feed_token: str) -> Response:
    """Public: the secret token in the path is the credential (calendar apps cannot send headers)."""
    return Response(body=calendar.render_feed(edge.settings, feed_token), status_code=200,
                    headers={"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=300"})


def _absolute(path: str) -> str:
    """The public URL of a path on this API, as the caller reached it (stage prefix included)."""
    request = app.current_request
    assert request is not None
    return public_url(request, path)


@app.lambda_function(name="fire_reminders")
def fire_reminders(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Scheduled every minute: fire the task reminders that are due (catches up after downtime)."""
    result = reminders.fire_due_reminders(edge.settings, datetime.now(UTC))
    return result
