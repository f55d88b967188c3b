"""Connecting and disconnecting a host's calendar, and keeping its push channel alive.

Google channels are asked for 7 days and Microsoft subscriptions for just under their 3-day limit; the
scheduled renewal renews every one that expires within RENEW_MARGIN_S (Google: a new channel, then the old one
stopped; Microsoft: the subscription extended). Links are found through the GSI1 renewal bucket, by expiry.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from leadpilot.calendar_sync.busy import refresh_busy
from leadpilot.calendar_sync.changes import sync_google
from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.links import Secret, Skipped, api_of, ensure_link, link, links, token_for, workspace_of
from leadpilot.calendar_sync.models import RENEW_BUCKET, CalendarLinkItem, SyncedEventItem
from leadpilot.calendar_sync.providers import ProviderError, Watch
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

TTL_S = {"google": 7 * 86400, "microsoft": 4200 * 60}
RENEW_MARGIN_S = 24 * 3600
WEBHOOK_PATHS = {"google": "/calendar-sync/webhooks/google", "microsoft": "/calendar-sync/webhooks/microsoft"}


def on_connected(settings: Settings, config: SyncConfig, workspace_id: str, user_id: str, provider: str) -> None:
    """A host connected a calendar: fill its busy cache, open its push channel, take Google's first sync token."""
    item = ensure_link(settings, workspace_id, user_id, provider)
    try:
        refresh_busy(settings, config, item)
        if config.webhook_base_url:
            _watch(settings, config, item)
        if provider == "google":
            sync_google(settings, config, item)
    except Skipped:
        return
    metrics.add_metric(name="CalendarLinked", unit="Count", value=1)


def on_disconnected(settings: Settings, config: SyncConfig, workspace_id: str, user_id: str, provider: str) -> None:
    """A host disconnected a calendar: stop its channel if the provider still lets us, forget the link and cache."""
    item = link(settings, workspace_id, user_id, provider)
    if item is None:
        return
    if item.channel_id:
        try:
            api_of(config, provider).stop(token_for(settings, item), _current(item))
        except (Skipped, ProviderError):  # the tokens were revoked with the connection: the channel just expires
            logger.info("the push channel could not be stopped; it will expire")
    for synced in SyncedEventItem.query(item.PK, SyncedEventItem.SK.startswith(f"EVENT#{provider}#")):
        synced.delete()
    item.delete()


def stop_watches(settings: Settings, config: SyncConfig, workspace_id: str, user_id: str) -> int:
    """Stop the host's push channels and subscriptions (the workspace is being erased); returns how many it had.
    The links stay for the caller to delete, so asking again stops (and counts) the same ones."""
    stopped = 0
    for item in links(settings, workspace_id, user_id):
        if not item.channel_id:
            continue
        try:
            api_of(config, item.provider).stop(token_for(settings, item), _current(item))
        except (Skipped, ProviderError):  # stopped before, or the tokens are gone: the channel just expires
            logger.info("the push channel could not be stopped; it will expire")
        stopped += 1
    return stopped


def renew_due(settings: Settings, config: SyncConfig, now: int | None = None) -> int:
    """Renew every channel or subscription that expires within RENEW_MARGIN_S, then refresh its busy cache (which
    also moves the cached window on); returns how many links were renewed. Links without a channel (no public
    webhook base, or the first watch failed) stay due: they are watched when possible, else synced each run."""
    now = now or int(time.time())
    due = CalendarLinkItem.gsi1.query(RENEW_BUCKET, CalendarLinkItem.GSI1SK.between("0", _iso(now + RENEW_MARGIN_S)))
    renewed = 0
    for item in [i for i in due if isinstance(i, CalendarLinkItem) and i.status == "ok"]:
        try:
            if config.webhook_base_url:
                _watch(settings, config, item)
            elif item.provider == "google":
                sync_google(settings, config, item)
            refresh_busy(settings, config, item)
            renewed += 1
        except Skipped:
            continue
        except ProviderError as exc:  # one host's failure must not stop the others' renewals
            logger.warning("renewing a push channel failed", extra={"provider": item.provider, "error": str(exc)})
    return renewed


def _watch(settings: Settings, config: SyncConfig, item: CalendarLinkItem) -> None:
    """Open (or renew) the link's push channel under a new secret and record it in the renewal bucket."""
    ws, provider = workspace_of(item), item.provider
    token = token_for(settings, item)
    api, secret = api_of(config, provider), Secret.new(ws, item.user_id, provider)
    address = config.webhook_base_url + WEBHOOK_PATHS[provider]
    if item.channel_id:
        watch = api.renew(token, _current(item), address, secret.value, TTL_S[provider])
    else:
        watch = api.watch(token, address, secret.value, TTL_S[provider])
    actions: list[Any] = [
        CalendarLinkItem.channel_id.set(watch.channel_id), CalendarLinkItem.resource_id.set(watch.resource_id),
        CalendarLinkItem.watch_expires_at.set(watch.expires_at), CalendarLinkItem.GSI1PK.set(RENEW_BUCKET),
        CalendarLinkItem.GSI1SK.set(f"{_iso(watch.expires_at)}#{ws}#{item.user_id}#{provider}")]
    if watch.channel_id != item.channel_id:  # a Microsoft subscription extended in place keeps its clientState
        actions.append(CalendarLinkItem.token_hash.set(secret.digest))
    item.update(actions=actions)
    metrics.add_metric(name="CalendarWatchOpened", unit="Count", value=1)


def _current(item: CalendarLinkItem) -> Watch:
    return Watch(item.channel_id or "", item.resource_id or "", int(item.watch_expires_at or 0))


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
