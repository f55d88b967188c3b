"""Identity resources for the tenant-isolation suite."""
from __future__ import annotations

from typing import Any

PUBLIC = {("POST", "/auth/signup"), ("POST", "/auth/login"), ("POST", "/auth/refresh"),
          ("POST", "/auth/accept-invite"), ("GET", "/openapi.json")}
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/workspace/members/{user_id}"): {"role": "member"},
    ("PATCH", "/workspace"): {"name": "Renamed"},
    ("POST", "/workspace/invites"): {"email": "new@b.test"},
    ("POST", "/workspace/api-keys"): {"name": "b-key"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    invite = api.post("/workspace/invites", {"email": "member@alpha.test"}, token=token).body
    joined = api.post("/auth/accept-invite", {"token": invite["token"], "password": "member-password-1",
                                              "name": "Alpha Member"}).body
    pending = api.post("/workspace/invites", {"email": "later@alpha.test"}, token=token).body
    key = api.post("/workspace/api-keys", {"name": "alpha-key", "scopes": ["write"]}, token=token).body
    return {"user_id": joined["member"]["user_id"], "invite_id": pending["id"], "key_id": key["id"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"members": api.get("/workspace/members", token=token).body,
            "invites": api.get("/workspace/invites", token=token).body,
            "keys": api.get("/workspace/api-keys", token=token).body,
            "workspace": api.get("/workspace", token=token).body}
