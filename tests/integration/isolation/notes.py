"""Note resources for the tenant-isolation suite."""
from __future__ import annotations

from typing import Any

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/notes"): {"contact_id": "01M80A45J90JMESM0AR82N1PFF", "body": "B's note"},
    ("PATCH", "/notes/{note_id}"): {"body": "Stolen"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    contact = api.post("/contacts", {"first_name": "Noted"}, token=token).body
    note = api.post("/notes", {"contact_id": contact["id"], "body": "Secret note body"}, token=token).body
    return {"note_id": note["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret note body"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"note": api.get(f"/notes/{ids['note_id']}", token=token).body}
