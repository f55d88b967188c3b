"""What calendar sync needs from a provider, and the failures it tells apart.

Google (`google.py`, google-api-python-client) and Microsoft (`graph.py`, Graph over HTTP) implement the same few
calls; the rest of the package never knows which one it talks to.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

Interval = tuple[int, int]  # epoch seconds, start inclusive, end exclusive
PRIMARY = "primary"  # the account's main calendar, as stored in a selection (both providers have one)


class ProviderError(Exception):
    """The provider failed for a moment (5xx, network): try again later."""


class TokenRejected(ProviderError):
    """The provider refused the access token (401): the vault refreshes it next time, or the host reconnects."""


class SyncTokenExpired(ProviderError):
    """Google's 410 Gone: the sync token is too old, a full sync is needed."""


@dataclass(frozen=True)
class Watch:
    """A push channel (Google) or change subscription (Microsoft)."""

    channel_id: str
    resource_id: str
    expires_at: int


@dataclass(frozen=True)
class Change:
    """An event that changed in the host's calendar (external id, and new times or cancelled)."""

    external_id: str
    cancelled: bool
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class Calendar:
    """One calendar of the connected account."""

    id: str
    name: str
    primary: bool
    writable: bool  # events can be written to it (Google: owner or writer; Graph: canEdit)


@dataclass(frozen=True)
class EventBody:
    """An appointment as a calendar event."""

    key: str  # stable per appointment: the provider's idempotency key
    title: str
    start: str  # ISO 8601 UTC
    end: str
    description: str
    location: str
    attendee_email: str
    attendee_name: str


class CalendarApi(Protocol):
    def calendars(self, token: str) -> list[Calendar]: ...

    def busy(self, token: str, start: int, end: int, calendars: Sequence[str] = (PRIMARY,)) -> list[Interval]: ...

    def create_event(self, token: str, event: EventBody, calendar: str = PRIMARY) -> str: ...

    def update_event(self, token: str, external_id: str, event: EventBody, calendar: str = PRIMARY) -> None: ...

    def delete_event(self, token: str, external_id: str, calendar: str = PRIMARY) -> None: ...

    def watch(self, token: str, address: str, secret: str, ttl_s: int) -> Watch: ...

    def renew(self, token: str, watch: Watch, address: str, secret: str, ttl_s: int) -> Watch: ...

    def stop(self, token: str, watch: Watch) -> None: ...
