"""Notification resources for the tenant-isolation suite: a member mentions the owner in a note."""
from __future__ import annotations

from typing import Any

BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/notifications/preferences"): {"mention": {"in_app": False}},
}


def seed(api: Any, token: str) -> dict[str, str]:
    owner_id = api.get("/me", token=token).body["principal"]["id"]
    invite = api.post("/workspace/invites", {"email": "notified@alpha.test"}, token=token).body
    member = api.post("/auth/accept-invite", {"token": invite["token"], "password": "member-password-2",
                                              "name": "Notifying Member"}).body
    contact = api.post("/contacts", {"first_name": "Mentioned"}, token=token).body
    api.post("/notes", {"contact_id": contact["id"], "body": f"ask @[Owner](user:{owner_id}) about Secret Deal"},
             token=member["access_token"])
    notification = api.get("/notifications", token=token).body["items"][0]
    return {"notification_id": notification["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret Deal"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"inbox": api.get("/notifications", token=token).body,
            "preferences": api.get("/notifications/preferences", token=token).body}
