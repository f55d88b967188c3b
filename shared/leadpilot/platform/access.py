"""Who may use the platform routes, and the workspace a route names."""
from __future__ import annotations

from leadpilot.db.identity_models import WorkspaceItem
from leadpilot.errors import Forbidden, NotFound
from leadpilot.identity import store
from leadpilot.identity.entities import SCOPES, Identity
from leadpilot.ids import parse_id


def require_platform_admin(identity: Identity) -> None:
    """Platform administrators (users flagged by `python -m leadpilot.identity.platform grant-admin`) only."""
    if identity.principal_type != "user" or not identity.platform_admin:
        raise Forbidden("platform administrators only", {"required": "platform_admin"})


def target_item(workspace_id: str) -> WorkspaceItem:
    """The workspace a platform route names; 404 naming workspace_id when there is none (or it is being erased)."""
    item = store.get_workspace_item(parse_id(workspace_id, "workspace_id"))
    if item is None or item.status == "deleting":
        raise NotFound("workspace not found", {"field": "workspace_id"})
    return item


def acting_in(identity: Identity, item: WorkspaceItem) -> Identity:
    """The administrator acting on another workspace: its id for the domain functions, the admin as the actor."""
    return Identity(workspace=store.to_workspace(item), principal_type="user", principal_id=identity.principal_id,
                    role=None, scopes=frozenset(SCOPES), session_id=identity.session_id, platform_admin=True)
