"""Platform administration: every workspace, its plan and limits, suspension, erasure, platform settings and
feature flags. Platform administrators only (`python -m leadpilot.identity.platform grant-admin <email>`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.errors import JSON_HEADERS
from leadpilot.errors import Forbidden
from leadpilot.identity.entities import Identity
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.email import provider as email_provider
    from leadpilot.identity import platform
    from leadpilot.platform import access, actions, erase, flags, settings, suspend, workspaces
    from leadpilot.usage import limits
else:  # domain modules load on first use: a cold start pays only for what its request needs
    email_provider = lazy("leadpilot.email.provider")
    access = lazy("leadpilot.platform.access")
    actions = lazy("leadpilot.platform.actions")
    erase = lazy("leadpilot.platform.erase")
    flags = lazy("leadpilot.platform.flags")
    settings = lazy("leadpilot.platform.settings")
    suspend = lazy("leadpilot.platform.suspend")
    workspaces = lazy("leadpilot.platform.workspaces")
    limits = lazy("leadpilot.usage.limits")
    platform = lazy("leadpilot.identity.platform")

app = Chalice(app_name="leadpilot-platform")
edge = Edge(app, "leadpilot.platform")


def _admin(scope: str = "read") -> Identity:
    identity = edge.identity(scope)
    access.require_platform_admin(identity)
    return identity


@edge.route("/platform/workspaces", "GET")
def platform_list_workspaces() -> dict[str, Any]:
    """Every workspace, newest first: plan, status, owners, counts and this month's usage."""
    _admin()
    items, cursor = workspaces.list_workspaces(edge.limit(25, 100), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/platform/workspaces/{workspace_id}", "GET")
def platform_get_workspace(workspace_id: str) -> dict[str, Any]:
    identity = _admin()
    return workspaces.workspace_detail(identity, access.target_item(workspace_id))


@edge.route("/platform/workspaces/{workspace_id}", "PATCH")
def platform_update_workspace(workspace_id: str) -> dict[str, Any]:
    """Change the workspace's plan, limit overrides and add-ons."""
    identity = _admin("write")
    item = access.target_item(workspace_id)
    body = edge.body("platform_workspace_update")
    limits.set_limits(access.acting_in(identity, item), body)
    actions.record(identity, "workspace.plan_changed", item.workspace_id, body)
    return workspaces.workspace_detail(identity, item)


@edge.route("/platform/workspaces/{workspace_id}/suspend", "POST")
def platform_suspend_workspace(workspace_id: str) -> dict[str, Any]:
    """Suspend: its API answers 403 workspace_suspended, its sends are refused, its runs pause (the job)."""
    identity = _admin("write")
    item = access.target_item(workspace_id)
    reason = edge.body("platform_suspend")["reason"].strip()
    job = suspend.suspend(edge.settings, identity, item, reason)
    actions.record(identity, "workspace.suspended", item.workspace_id, {"reason": reason, "job_id": job.id})
    return {"workspace": workspaces.workspace_detail(identity, access.target_item(workspace_id)), "job": job.to_dict()}


@edge.route("/platform/workspaces/{workspace_id}/reactivate", "POST")
def platform_reactivate_workspace(workspace_id: str) -> dict[str, Any]:
    """Lift a suspension; the runs it paused resume (the job)."""
    identity = _admin("write")
    item = access.target_item(workspace_id)
    job = suspend.reactivate(edge.settings, identity, item)
    actions.record(identity, "workspace.reactivated", item.workspace_id, {"job_id": job.id})
    return {"workspace": workspaces.workspace_detail(identity, access.target_item(workspace_id)), "job": job.to_dict()}


@edge.route("/platform/workspaces/{workspace_id}", "DELETE")
def platform_delete_workspace(workspace_id: str) -> Response:
    """Erase the workspace and all its data, as a job (progress: GET /jobs/{job_id}); asked again, the same job."""
    identity = _admin("write")
    job = erase.delete_workspace(edge.settings, identity, workspace_id)
    actions.record(identity, "workspace.deletion_requested", str(job.params["workspace_id"]), {"job_id": job.id},
                   workspace_log=False)
    return Response(body=job.to_dict(), status_code=202, headers=dict(JSON_HEADERS))


@edge.route("/platform/workspaces/{workspace_id}/flags", "GET")
def platform_get_flags(workspace_id: str) -> dict[str, Any]:
    _admin()
    return {"flags": flags.get_flags(access.target_item(workspace_id).workspace_id)}


@edge.route("/platform/workspaces/{workspace_id}/flags", "PUT")
def platform_put_flags(workspace_id: str) -> dict[str, Any]:
    """Set (true/false) or clear (null) feature flags by name."""
    identity = _admin("write")
    item = access.target_item(workspace_id)
    changes = edge.body("platform_flags")["flags"]
    after = flags.set_flags(item.workspace_id, changes, identity.principal_id)
    actions.record(identity, "workspace.flags_changed", item.workspace_id, changes)
    return {"flags": after}


@edge.route("/platform/settings", "GET")
def platform_get_settings() -> dict[str, Any]:
    """Platform provider credentials (whether set, never the secret) and the default plans."""
    _admin()
    return settings.describe(edge.settings)


@edge.route("/platform/settings", "PUT")
def platform_put_settings() -> dict[str, Any]:
    """Save platform provider credentials (sealed) and default-plan overrides."""
    identity = _admin("write")
    body = edge.body("platform_settings")
    changed = settings.update(edge.settings, identity, body)
    sender = (body.get("credentials") or {}).get("email")
    if sender:  # SES sends only from a verified identity: ask for it now (a click away in AWS)
        email_provider.provider(edge.settings.region).verify_identity(sender["from_email"], "address")
    actions.record(identity, "platform.settings_changed", "platform", changed)
    return settings.describe(edge.settings)


@edge.route("/dev/platform-admin", "POST")
def dev_grant_platform_admin() -> dict[str, Any]:
    """Make the signed-in user a platform administrator, effective at their next login (dev tools only: the local
    cloud, where the browser tests need one; elsewhere `python -m leadpilot.identity.platform grant-admin`)."""
    identity = edge.identity("write")
    if identity.principal_type != "user" or identity.email is None or identity.impersonator is not None:
        raise Forbidden("only a user signed in as themselves can be made a platform administrator",
                        {"field": "authorization"})
    user_id = platform.set_platform_admin(identity.email)
    return {"user_id": user_id, "platform_admin": True}
