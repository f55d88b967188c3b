"""Domain objects of identity; the data layer returns these, never pynamodb items."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Role = Literal["owner", "admin", "member"]
ROLES: tuple[str, ...] = ("owner", "admin", "member")
SCOPES: tuple[str, ...] = ("read", "write")


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str
    timezone: str
    default_region: str
    status: str
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    platform_admin: bool
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name,
                "platform_admin": self.platform_admin, "created_at": self.created_at}


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    name: str
    role: str
    joined_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Identity:
    """Who is calling, verified: the only source of a request's workspace."""

    workspace: Workspace
    principal_type: Literal["user", "api_key"]
    principal_id: str
    role: str | None
    scopes: frozenset[str]
    session_id: str | None = None
    platform_admin: bool = False
    email: str | None = None
    impersonator: dict[str, str] | None = None  # {id, email} of the platform admin acting as this user
    # The workspace's contact-configuration version read with the caller (None when not read): lets a request
    # check its process's cached custom-field definitions and scoring rules without a call of its own.
    contact_config_version: int | None = None

    @property
    def workspace_id(self) -> str:
        return self.workspace.id

    def actor(self) -> dict[str, str]:
        """How this caller appears in activity entries and events."""
        return {"type": self.principal_type, "id": self.principal_id}

    def person(self) -> dict[str, str]:
        """How this caller appears in audit entries: a user with their email, or an API key."""
        if self.principal_type == "user" and self.email is not None:
            return {"type": "user", "id": self.principal_id, "email": self.email}
        return self.actor()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int

    def to_dict(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "token_type": "Bearer", "expires_in": self.expires_in}
