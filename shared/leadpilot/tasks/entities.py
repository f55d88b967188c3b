"""The Task domain object."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

STATUSES: tuple[str, ...] = ("open", "in_progress", "blocked", "done")
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
RELATED_TYPES: tuple[str, ...] = ("contact", "deal", "conversation")
DEFAULT_REMINDERS: tuple[int, ...] = (24 * 60, 60)


@dataclass(frozen=True)
class Task:
    id: str
    workspace_id: str
    title: str
    description: str | None = None
    status: str = "open"
    priority: str = "normal"
    due_at: str | None = None  # UTC instant, "YYYY-MM-DDTHH:MM:SSZ"
    timezone: str = "UTC"  # IANA zone the due time was given in; recurrence is computed in it
    assignee_id: str | None = None
    related_to: dict[str, str] | None = None
    recurrence: str | None = None
    reminders: list[int] = field(default_factory=lambda: list(DEFAULT_REMINDERS))  # minutes before due
    series_start: str | None = None  # first due of the recurrence series (its DTSTART), UTC
    completed_at: str | None = None
    next_occurrence_id: str | None = None
    previous_occurrence_id: str | None = None
    created_by: dict[str, str] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    version: int = 1

    @property
    def finished(self) -> bool:
        return self.status == "done"

    @property
    def contact_id(self) -> str | None:
        """The contact this task is about, if any (its events go on that contact's timeline)."""
        return self.related_to["id"] if self.related_to and self.related_to["type"] == "contact" else None

    def due_local(self) -> str | None:
        """The due time as wall-clock time in the task's zone, with its UTC offset."""
        if self.due_at is None:
            return None
        return datetime.fromisoformat(self.due_at).astimezone(ZoneInfo(self.timezone)).isoformat()

    def with_(self, **changes: Any) -> Task:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("workspace_id")
        data["due_local"] = self.due_local()
        return data
