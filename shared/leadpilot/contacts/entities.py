"""The Contact domain object."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FIELDS: tuple[str, ...] = ("first_name", "last_name", "email", "phone", "company", "source", "tags")


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
    created_at: str = ""
    updated_at: str = ""
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("workspace_id")
        return data

    def fields(self) -> dict[str, Any]:
        """The user-editable fields and their values."""
        return {name: getattr(self, name) for name in FIELDS}
