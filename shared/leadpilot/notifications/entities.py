"""The Notification domain object and the notification types members can switch on or off."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

TYPES: tuple[str, ...] = ("task_assigned", "task_reminder", "task_overdue", "mention", "integration_attention",
                          "webhook_disabled", "support_access", "usage_drift", "call_missed",
                          "call_handoff")
CHANNELS: tuple[str, ...] = ("in_app",)


@dataclass(frozen=True)
class Notification:
    id: str
    type: str
    title: str
    body: str | None
    link: str | None
    created_at: str
    read_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "read": self.read_at is not None}
