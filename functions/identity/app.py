"""Identity: sign-up, login, sessions, the workspace, its members, invites and API keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.urls import public_url
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.api import openapi
    from leadpilot.identity import api_keys, sessions, team, workspaces
else:  # domain modules load on first use: a cold start pays only for what its request needs
    openapi = lazy("leadpilot.api.openapi")
    api_keys = lazy("leadpilot.identity.api_keys")
    sessions = lazy("leadpilot.identity.sessions")
    team = lazy("leadpilot.identity.team")
    workspaces = lazy("leadpilot.identity.workspaces")

app = Chalice(app_name="leadpilot-identity")
edge = Edge(app, "leadpilot.identity")
ADMINS = ("owner", "admin")


@edge.route("/auth/signup", "POST")
def sign_up() -> Response:
    workspace, user, tokens = sessions.sign_up(edge.settings, edge.body("signup"))
    return edge.created({"workspace": workspace.to_dict(), "user": user.to_dict(), **tokens.to_dict()})


@edge.route("/auth/login", "POST")
def log_in() -> dict[str, Any]:
    user, workspace_id, tokens = sessions.log_in(edge.settings, edge.body("login"))
    return {"user": user.to_dict(), "workspace_id": workspace_id, **tokens.to_dict()}


@edge.route("/auth/refresh", "POST")
def refresh() -> dict[str, Any]:
    return sessions.refresh(edge.settings, edge.body("refresh")["refresh_token"]).to_dict()


@edge.route("/auth/logout", "POST")
def log_out() -> Response:
    sessions.log_out(edge.identity())
    return edge.no_content()


@edge.route("/auth/accept-invite", "POST")
def accept_invite() -> dict[str, Any]:
    workspace, member, tokens = team.accept_invite(edge.settings, edge.body("accept_invite"))
    return {"workspace": workspace.to_dict(), "member": member.to_dict(), **tokens.to_dict()}


@edge.route("/openapi.json", "GET")
def openapi_document() -> dict[str, Any]:
    """Public: the API's OpenAPI 3.1 document, to read or to generate clients from."""
    request = app.current_request
    assert request is not None
    return openapi.served_at(public_url(request, ""))


@edge.route("/me", "GET")
def me() -> dict[str, Any]:
    identity = edge.identity()
    return {"workspace": identity.workspace.to_dict(), "principal": identity.actor(), "role": identity.role,
            "scopes": sorted(identity.scopes), "platform_admin": identity.platform_admin,
            "impersonated_by": identity.impersonator}


@edge.route("/workspace", "GET")
def get_workspace() -> dict[str, Any]:
    return workspaces.describe_workspace(edge.identity())


@edge.route("/workspace", "PATCH")
def update_workspace() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return workspaces.update_workspace(identity, edge.body("workspace_update")).to_dict()


@edge.route("/workspace/members", "GET")
def list_members() -> dict[str, Any]:
    identity = edge.identity()
    items, cursor = team.list_members(identity, edge.limit(), edge.query("cursor"))
    return {"items": [m.to_dict() for m in items], "next_cursor": cursor}


@edge.route("/workspace/members/{user_id}", "PATCH")
def update_member(user_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    member_id = parse_id(user_id, "user_id")
    return team.change_role(edge.settings, identity, member_id, edge.body("member_update")["role"]).to_dict()


@edge.route("/workspace/members/{user_id}", "DELETE")
def remove_member(user_id: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    team.remove_member(edge.settings, identity, parse_id(user_id, "user_id"))
    return edge.no_content()


@edge.route("/workspace/invites", "POST")
def create_invite() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return edge.created(team.create_invite(edge.settings, identity, edge.body("invite_create")))


@edge.route("/workspace/invites", "GET")
def list_invites() -> dict[str, Any]:
    identity = edge.identity()
    require_role(identity, *ADMINS)
    items, cursor = team.list_invites(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/workspace/invites/{invite_id}", "DELETE")
def revoke_invite(invite_id: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    team.revoke_invite(identity, parse_id(invite_id, "invite_id"))
    return edge.no_content()


@edge.route("/workspace/api-keys", "POST")
def create_api_key() -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return edge.created(api_keys.create_api_key(edge.settings, identity, edge.body("api_key_create")))


@edge.route("/workspace/api-keys", "GET")
def list_api_keys() -> dict[str, Any]:
    identity = edge.identity()
    require_role(identity, *ADMINS)
    items, cursor = api_keys.list_api_keys(identity, edge.limit(), edge.query("cursor"))
    return {"items": items, "next_cursor": cursor}


@edge.route("/workspace/api-keys/{key_id}", "DELETE")
def revoke_api_key(key_id: str) -> Response:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    api_keys.revoke_api_key(edge.settings, identity, parse_id(key_id, "key_id"))
    return edge.no_content()

