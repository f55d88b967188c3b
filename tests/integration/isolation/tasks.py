"""Task resources for the tenant-isolation suite (the calendar feed is public: its token is the credential)."""
from __future__ import annotations

from typing import Any

PUBLIC = {("GET", "/calendar/{feed_token}")}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/tasks"): {"title": "B's task"},
    ("PATCH", "/tasks/{task_id}"): {"title": "Stolen"},
    ("POST", "/tasks/bulk"): {"action": "complete", "task_ids": ["01M80A45J90JMESM0AR82N1PFF"]},
}


def seed(api: Any, token: str) -> dict[str, str]:
    task = api.post("/tasks", {"title": "Secret task", "due_at": "2030-01-01T09:00", "timezone": "Europe/Paris"},
                    token=token).body
    feed = api.post("/me/calendar-feed", token=token).body
    return {"task_id": task["id"], "feed_token": feed["token"]}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"task": api.get(f"/tasks/{ids['task_id']}", token=token).body,
            "feed": api.get(f"/calendar/{ids['feed_token']}.ics").raw.count("BEGIN:VEVENT")}
