"""Notifications: a member's in-app inbox, its unread count, and notification preferences."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice

from leadpilot.api.edge import Edge
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.notifications import service
else:  # domain modules load on first use: a cold start pays only for what its request needs
    service = lazy("leadpilot.notifications.service")

app = Chalice(app_name="leadpilot-notifications")
edge = Edge(app, "leadpilot.notifications")


@edge.route("/notifications", "GET")
def list_notifications() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = service.list_notifications(identity, edge.limit(), edge.query("cursor"))
    return {"items": [n.to_dict() for n in items], "next_cursor": cursor,
            "unread_count": service.unread_count(identity)}


@edge.route("/notifications/unread-count", "GET")
def unread_count() -> dict[str, Any]:
    return {"unread_count": service.unread_count(edge.identity())}


@edge.route("/notifications/{notification_id}/read", "POST")
def mark_read(notification_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    nid = parse_id(notification_id, "notification_id")
    return service.mark_read(edge.settings, identity, nid).to_dict()


@edge.route("/notifications/read-all", "POST")
def mark_all_read() -> dict[str, Any]:
    identity = edge.identity("write")
    marked = service.mark_all_read(edge.settings, identity)
    return {"marked": marked, "unread_count": service.unread_count(identity)}


@edge.route("/notifications/preferences", "GET")
def get_preferences() -> dict[str, Any]:
    identity = edge.identity()
    return {"preferences": service.preferences(identity.workspace_id, service.member_of(identity))}


@edge.route("/notifications/preferences", "PATCH")
def update_preferences() -> dict[str, Any]:
    identity = edge.identity("write")
    return {"preferences": service.update_preferences(identity, edge.body("preferences_update"))}
