"""Audit: the workspace's and the platform's audit logs (read only: no route updates or deletes an entry), the
log's retention, and support access (platform admins impersonating a member, which the workspace can see)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.audit import log
    from leadpilot.identity import impersonation
else:  # domain modules load on first use: a cold start pays only for what its request needs
    log = lazy("leadpilot.audit.log")
    impersonation = lazy("leadpilot.identity.impersonation")

app = Chalice(app_name="leadpilot-audit")
edge = Edge(app, "leadpilot.audit")
ADMINS = ("owner", "admin")


def _filters() -> Any:
    return log.filters_from(edge.query("action"), edge.query("actor"), edge.query("since"), edge.query("until"))


def _page(entries: list[Any], cursor: str | None) -> dict[str, Any]:
    return {"items": [entry.to_dict() for entry in entries], "next_cursor": cursor}


@edge.route("/workspace/audit", "GET")
def workspace_audit() -> dict[str, Any]:
    """The workspace's audit log, newest first; filter by action, actor (id), since and until (owners, admins)."""
    identity = edge.identity()
    require_role(identity, *ADMINS)
    return _page(*log.list_entries(identity.workspace_id, edge.limit(), edge.query("cursor"), _filters()))


@edge.route("/workspace/audit-settings", "GET")
def audit_settings() -> dict[str, Any]:
    identity = edge.identity()
    require_role(identity, *ADMINS)
    return {"retention_days": log.retention_days(identity.workspace_id)}


@edge.route("/workspace/audit-settings", "PUT")
def put_audit_settings() -> dict[str, Any]:
    """How many days entries are kept from when they are written (owners)."""
    identity = edge.identity("write")
    require_role(identity, "owner")
    return log.set_retention(identity.workspace_id, edge.body("audit_settings_update")["retention_days"])


@edge.route("/workspace/support-access", "GET")
def support_access() -> dict[str, Any]:
    """When LeadPilot support acted as a member of this workspace: who, as whom, why, from when to when (owners and
    admins see every session, a member the sessions in their own name)."""
    identity = edge.identity()
    require_role(identity, *ADMINS, "member")
    items, cursor = impersonation.list_support_access(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/platform/audit", "GET")
def platform_audit() -> dict[str, Any]:
    """The platform's audit log of platform-admin actions, newest first (platform admins)."""
    identity = edge.identity()
    impersonation.require_platform_admin(identity)
    return _page(*log.list_entries(None, edge.limit(), edge.query("cursor"), _filters()))


@edge.route("/platform/impersonations", "POST")
def start_impersonation() -> Response:
    """Act as a member of a workspace for up to 60 minutes, with a reason (platform admins)."""
    identity = edge.identity("write")
    impersonation.require_platform_admin(identity)  # before the body: a non-admin learns nothing from validation
    body = edge.body("impersonation_create")
    return edge.created(impersonation.start_impersonation(edge.settings, identity, body))


@edge.route("/platform/impersonations/{impersonation_id}", "DELETE")
def end_impersonation(impersonation_id: str) -> Response:
    identity = edge.identity("write")
    impersonation.end_impersonation(edge.settings, identity, parse_id(impersonation_id, "impersonation_id"))
    return edge.no_content()
