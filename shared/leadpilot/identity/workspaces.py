"""Reading and changing a workspace's settings."""
from __future__ import annotations

from typing import Any

from leadpilot.audit.log import changed, record
from leadpilot.clock import now_iso
from leadpilot.contact_points import check_region, check_timezone
from leadpilot.contacts.stats import read_stats
from leadpilot.db.identity_models import WorkspaceItem
from leadpilot.errors import NotFound
from leadpilot.identity import store
from leadpilot.identity.entities import Identity, Workspace


def describe_workspace(identity: Identity) -> dict[str, Any]:
    return {**identity.workspace.to_dict(), "contacts": read_stats(identity.workspace_id)}


def update_workspace(identity: Identity, body: dict[str, Any]) -> Workspace:
    """Partial update of name, timezone and default phone region."""
    item = store.get_workspace_item(identity.workspace_id)
    if item is None:
        raise NotFound("workspace not found")
    actions: list[Any] = [WorkspaceItem.updated_at.set(now_iso())]
    if "name" in body:
        actions.append(WorkspaceItem.name.set(body["name"].strip()))
    if "timezone" in body:
        actions.append(WorkspaceItem.timezone.set(check_timezone(body["timezone"])))
    if "default_region" in body:
        actions.append(WorkspaceItem.default_region.set(check_region(body["default_region"])))
    before = store.to_workspace(item).to_dict()
    item.update(actions=actions, condition=WorkspaceItem.PK.exists())
    after = store.to_workspace(item)
    fields = ("name", "timezone", "default_region")
    record(identity.workspace_id, "workspace.updated", {"type": "workspace", "id": identity.workspace_id},
           changed({f: before[f] for f in fields}, {f: after.to_dict()[f] for f in fields}))
    return after

