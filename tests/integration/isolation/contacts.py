"""Contact resources for the tenant-isolation suite."""
from __future__ import annotations

from typing import Any

BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/contacts/{contact_id}"): {"company": "Stolen Inc"},
    ("POST", "/contacts"): {"first_name": "B's contact"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    contact = api.post("/contacts", {"first_name": "Secret", "email": "secret@alpha.test"}, token=token).body
    return {"contact_id": contact["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"secret@alpha.test"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"contact": api.get(f"/contacts/{ids['contact_id']}", token=token).body,
            "activity": api.get(f"/contacts/{ids['contact_id']}/activity", token=token).body}
