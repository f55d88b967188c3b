"""The Contact domain object."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

FIELDS: tuple[str, ...] = ("first_name", "last_name", "email", "phone", "company", "source", "tags",
                           "custom_fields", "do_not_contact", "owner_id")
ENGAGEMENT_COUNTERS: tuple[str, ...] = ("replies", "opens", "clicks", "calls")


@dataclass(frozen=True)
class Contact:
    id: str
    workspace_id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    source: str | None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    do_not_contact: bool = False
    owner_id: str | None = None
    last_activity_at: str | None = None
    score: int = 0
    engagement: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    created_by: str = ""
    version: int = 1

    def to_dict(self, visible_fields: set[str] | None = None) -> dict[str, Any]:
        """The API shape; custom fields limited to `visible_fields` (the active definitions) when given."""
        data = asdict(self)
        data.pop("workspace_id")
        if visible_fields is not None:
            data["custom_fields"] = {k: v for k, v in self.custom_fields.items() if k in visible_fields}
        return data

    def fields(self) -> dict[str, Any]:
        """The user-editable fields and their values."""
        return {name: getattr(self, name) for name in FIELDS}

    def with_changes(self, **changes: Any) -> Contact:
        return replace(self, **changes)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email or self.phone or ""
