"""Platform-administration routes for the tenant-isolation suite: they take any workspace's id, so no tenant may
call them at all: workspace B's token and API key get 403 (never 404, never data) for workspace A's id."""
from __future__ import annotations

from typing import Any

PLATFORM: set[tuple[str, str]] = {
    ("GET", "/platform/workspaces"), ("GET", "/platform/workspaces/{workspace_id}"),
    ("PATCH", "/platform/workspaces/{workspace_id}"), ("DELETE", "/platform/workspaces/{workspace_id}"),
    ("POST", "/platform/workspaces/{workspace_id}/suspend"), ("POST", "/platform/workspaces/{workspace_id}/reactivate"),
    ("GET", "/platform/workspaces/{workspace_id}/flags"), ("PUT", "/platform/workspaces/{workspace_id}/flags"),
    ("GET", "/platform/settings"), ("PUT", "/platform/settings"),
}
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/platform/workspaces/{workspace_id}"): {"plan": "scale"},
    ("POST", "/platform/workspaces/{workspace_id}/suspend"): {"reason": "isolation"},
    ("PUT", "/platform/workspaces/{workspace_id}/flags"): {"flags": {"beta": True}},
    ("PUT", "/platform/settings"): {"plans": {"starter": {"emails": {"day": 1}}}},
}


def seed(api: Any, token: str) -> dict[str, str]:
    return {"workspace_id": api.get("/workspace", token=token).body["id"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    """What a platform route would change in A, seen by A itself: its workspace and its plan."""
    return {"workspace": api.get("/workspace", token=token).body, "plan": api.get("/usage", token=token).body["plan"]}
