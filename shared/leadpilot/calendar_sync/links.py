"""A host's connected calendars (links), the provider clients, and the access token each call needs."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.google import GoogleCalendar
from leadpilot.calendar_sync.graph import GraphCalendar
from leadpilot.calendar_sync.models import (
    RENEW_BUCKET,
    CalendarLinkItem,
    CalendarWatchItem,
    host_pk,
    link_sk,
    watch_sk,
)
from leadpilot.calendar_sync.providers import PRIMARY, CalendarApi
from leadpilot.db.base import bind_tables
from leadpilot.integrations import vault
from leadpilot.observability import logger
from leadpilot.settings import Settings

PROVIDERS = ("google", "microsoft")


class Skipped(Exception):
    """The host's connection needs reconnecting (or is gone): the link is marked and the work skipped."""


@cache
def google_api(api_url: str, timeout_s: int) -> GoogleCalendar:
    return GoogleCalendar(api_url, timeout_s)


@cache
def graph_api(api_url: str, timeout_s: int) -> GraphCalendar:
    return GraphCalendar(api_url, timeout_s)


def api_of(config: SyncConfig, provider: str) -> CalendarApi:
    """The provider's client, built once per process."""
    if provider == "google":
        return google_api(config.google_api_url, config.timeout_s)
    return graph_api(config.graph_api_url, config.timeout_s)


def links(settings: Settings, workspace_id: str, user_id: str) -> list[CalendarLinkItem]:
    """The host's connected calendars (one Query of its partition)."""
    bind_tables(settings)
    return list(CalendarLinkItem.query(host_pk(workspace_id, user_id), CalendarLinkItem.SK.startswith("LINK#")))


def link(settings: Settings, workspace_id: str, user_id: str, provider: str) -> CalendarLinkItem | None:
    bind_tables(settings)
    try:
        return CalendarLinkItem.get(host_pk(workspace_id, user_id), link_sk(provider), consistent_read=True)
    except DoesNotExist:
        return None


def ensure_link(settings: Settings, workspace_id: str, user_id: str, provider: str) -> CalendarLinkItem:
    """The host's link to a provider, created on first connect."""
    found = link(settings, workspace_id, user_id, provider)
    if found is not None:
        if found.status != "ok":
            found.update(actions=[CalendarLinkItem.status.set("ok"), CalendarLinkItem.last_error.remove()])
        return found
    due_now = f"0000#{workspace_id}#{user_id}#{provider}"  # in the renewal bucket, due until it is watched
    item = CalendarLinkItem(host_pk(workspace_id, user_id), link_sk(provider), provider=provider, user_id=user_id,
                            GSI1PK=RENEW_BUCKET, GSI1SK=due_now)
    item.save()
    return item


def conflict_ids(item: CalendarLinkItem) -> list[str]:
    """The calendars whose busy time blocks the host (the primary one until the host chooses)."""
    return [str(c) for c in json.loads(item.conflict_calendars)] if item.conflict_calendars else [PRIMARY]


def write_target(item: CalendarLinkItem) -> str:
    """The calendar new bookings are written to."""
    return item.write_calendar or PRIMARY


def token_for(settings: Settings, item: CalendarLinkItem) -> str:
    """The vault's access token for a link; a connection that needs reconnecting marks the link and raises Skipped."""
    try:
        return vault.access_token(settings, workspace_of(item), item.user_id, item.provider)
    except vault.ReconnectNeeded as exc:
        logger.warning("calendar sync skipped: the connection needs reconnecting",
                       extra={"provider": item.provider, "reason": exc.code})
        item.update(actions=[CalendarLinkItem.status.set("reconnect_needed"),
                             CalendarLinkItem.last_error.set(exc.code)])
        raise Skipped(exc.code) from exc


def workspace_of(item: Any) -> str:
    return str(item.PK).split("#")[1]


@dataclass(frozen=True)
class Secret:
    """A push channel's secret: names its host and provider, so a push finds its link, then proves itself by hash."""

    workspace_id: str
    user_id: str
    provider: str
    value: str

    @staticmethod
    def new(workspace_id: str, user_id: str, provider: str) -> Secret:
        value = f"{workspace_id}.{user_id}.{provider}.{secrets.token_urlsafe(32)}"
        return Secret(workspace_id, user_id, provider, value)

    @staticmethod
    def parse(value: str | None) -> Secret | None:
        parts = (value or "").split(".")
        if len(parts) != 4 or parts[2] not in PROVIDERS or not all(parts):
            return None
        return Secret(parts[0], parts[1], parts[2], value or "")

    @property
    def digest(self) -> str:
        return digest(self.value)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def proven(item: CalendarLinkItem | CalendarWatchItem | None, secret: Secret, channel_id: str | None) -> bool:
    """The secret is the link's (or the calendar watch's) current one, and so is the channel when named."""
    if item is None or item.token_hash is None:
        return False
    same_channel = channel_id is None or hmac.compare_digest(channel_id, item.channel_id or "")
    return hmac.compare_digest(secret.digest, item.token_hash) and same_channel


def calendar_watches(item: CalendarLinkItem) -> list[CalendarWatchItem]:
    """The link's watches of its other chosen calendars (Google; one Query of the host's partition)."""
    return list(CalendarWatchItem.query(item.PK, CalendarWatchItem.SK.startswith(watch_sk(item.provider, ""))))


def host_links(settings: Settings, workspace_id: str, user_id: str) -> Iterator[CalendarLinkItem]:
    """The host's links that are usable now."""
    return (item for item in links(settings, workspace_id, user_id) if item.status == "ok")
