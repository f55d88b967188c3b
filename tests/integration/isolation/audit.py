"""Audit-log and support-access resources for the tenant-isolation suite: workspace A is impersonated once by a
platform admin of another workspace, so A has a support session (its id) and entries in its log."""
from __future__ import annotations

from typing import Any

from leadpilot.identity.platform import set_platform_admin

BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/workspace/audit-settings"): {"retention_days": 90},
}


def seed(api: Any, token: str) -> dict[str, str]:
    me = api.get("/me", token=token).body
    admin = api.post("/auth/signup", {"workspace_name": "Support desk", "email": "support@platform.test",
                                      "password": "support-password-1", "name": "Support"}).body
    set_platform_admin(admin["user"]["email"])
    login = api.post("/auth/login", {"email": "support@platform.test", "password": "support-password-1"}).body
    started = api.post("/platform/impersonations", {"workspace_id": me["workspace"]["id"],
                                                    "user_id": me["principal"]["id"], "reason": "isolation seed"},
                       token=login["access_token"])
    assert started.status == 201, started
    return {"impersonation_id": started.body["id"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"audit": api.get("/workspace/audit?limit=200", token=token).body,
            "support": api.get("/workspace/support-access", token=token).body,
            "settings": api.get("/workspace/audit-settings", token=token).body}
