"""Connecting and disconnecting a host's calendar, and keeping its push channel alive.

Google channels are asked for 7 days and Microsoft subscriptions for just under their 3-day limit; the
scheduled renewal renews every one that expires within RENEW_MARGIN_S (Google: a new channel, then the old one
stopped; Microsoft: the subscription extended). Links are found through the GSI1 renewal bucket, by expiry.
A host's other chosen Google calendars (checked for conflicts, or taking bookings) each have a channel of their own
(a CalendarWatchItem, in the same bucket), opened and stopped as the choice changes (`follow_selection`).
Microsoft's subscription is on the mailbox's events (`me/events`) and stays one per link.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from leadpilot.calendar_sync.busy import refresh_busy
from leadpilot.calendar_sync.changes import sync_google
from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.google import GoogleCalendar
from leadpilot.calendar_sync.links import (
    Secret,
    Skipped,
    api_of,
    calendar_watches,
    conflict_ids,
    ensure_link,
    link,
    links,
    token_for,
    workspace_of,
    write_target,
)
from leadpilot.calendar_sync.models import (
    RENEW_BUCKET,
    CalendarLinkItem,
    CalendarWatchItem,
    SyncedEventItem,
    host_pk,
    watch_sk,
)
from leadpilot.calendar_sync.providers import PRIMARY, ProviderError, Watch
from leadpilot.db.base import CrmModel
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
    for watch in calendar_watches(item):
        _unwatch(settings, config, item, watch)
    for synced in SyncedEventItem.query(item.PK, SyncedEventItem.SK.startswith(f"EVENT#{provider}#")):
        synced.delete()
    item.delete()


def stop_watches(settings: Settings, config: SyncConfig, workspace_id: str, user_id: str) -> int:
    """Stop the host's push channels and subscriptions (the workspace is being erased); returns how many it had.
    The links stay for the caller to delete, so asking again stops (and counts) the same ones."""
    stopped = 0
    for item in links(settings, workspace_id, user_id):
        holders: list[CalendarLinkItem | CalendarWatchItem] = [item, *calendar_watches(item)]
        for holder in holders:
            if not holder.channel_id:
                continue
            try:
                api_of(config, item.provider).stop(token_for(settings, item), _current(holder))
            except (Skipped, ProviderError):  # stopped before, or the tokens are gone: the channel just expires
                logger.info("the push channel could not be stopped; it will expire")
            stopped += 1
    return stopped


def follow_selection(settings: Settings, config: SyncConfig, item: CalendarLinkItem) -> None:
    """Watch the host's Google calendars besides the primary one that are checked for conflicts, take bookings or
    still hold one of our events, and stop watching the others. A channel that cannot be opened now (no webhook
    base in this function, the provider failing) stays due: the hourly renewal opens it."""
    if item.provider != "google":
        return
    holding = {s.calendar_id for s in SyncedEventItem.query(  # our events there: their moves must reach us
        item.PK, SyncedEventItem.SK.startswith("EVENT#google#"), filter_condition=SyncedEventItem.cancelled == 0)}
    wanted = {c for c in [*conflict_ids(item), write_target(item), *holding] if c and c != PRIMARY}
    held = {w.calendar_id: w for w in calendar_watches(item)}
    for calendar, watch in held.items():
        if calendar not in wanted:
            _unwatch(settings, config, item, watch)
    ws = workspace_of(item)
    for calendar in sorted(wanted - set(held)):
        watch = CalendarWatchItem(host_pk(ws, item.user_id), watch_sk("google", calendar), provider="google",
                                  user_id=item.user_id, calendar_id=calendar, GSI1PK=RENEW_BUCKET,
                                  GSI1SK=f"0000#{ws}#{item.user_id}#google#{calendar}")  # due until watched
        watch.save()
        if not config.webhook_base_url:
            continue  # synced by the renewal function on each run, as a link without a channel is
        try:  # the first push lists the calendar in full (no sync token yet); not on this request's time
            _watch(settings, config, item, watch)
        except (Skipped, ProviderError) as exc:
            logger.warning("watching a calendar failed; the renewal retries", extra={"error": str(exc)})


def _unwatch(settings: Settings, config: SyncConfig, item: CalendarLinkItem, watch: CalendarWatchItem) -> None:
    if watch.channel_id:
        try:
            api_of(config, item.provider).stop(token_for(settings, item), _current(watch))
        except (Skipped, ProviderError):  # the channel just expires; its pushes find no watch and are refused
            logger.info("the push channel could not be stopped; it will expire")
    watch.delete()


def renew_due(settings: Settings, config: SyncConfig, now: int | None = None) -> int:
    """Renew every channel or subscription that expires within RENEW_MARGIN_S, then refresh its busy cache (which
    also moves the cached window on); returns how many links were renewed. Links without a channel (no public
    webhook base, or the first watch failed) stay due: they are watched when possible, else synced each run."""
    now = now or int(time.time())
    # the base model: a query of a subclass reads only that kind, and the bucket holds links and watches
    due = list(CrmModel.gsi1.query(RENEW_BUCKET, CrmModel.GSI1SK.between("0", _iso(now + RENEW_MARGIN_S))))
    renewed = 0
    for found in due:
        item = found if isinstance(found, CalendarLinkItem) else _link_of(settings, found)
        if item is None or item.status != "ok":
            continue
        watch = found if isinstance(found, CalendarWatchItem) else None
        try:
            if config.webhook_base_url:
                _watch(settings, config, item, watch)
            elif item.provider == "google":
                sync_google(settings, config, item, watch)
            refresh_busy(settings, config, item)
            renewed += 1
        except Skipped:
            continue
        except ProviderError as exc:  # one host's failure must not stop the others' renewals
            logger.warning("renewing a push channel failed", extra={"provider": item.provider, "error": str(exc)})
    return renewed


def _watch(settings: Settings, config: SyncConfig, item: CalendarLinkItem,
           watch: CalendarWatchItem | None = None) -> None:
    """Open (or renew) the push channel of the link (or of one of its other calendars) under a new secret and record
    it in the renewal bucket."""
    ws, provider = workspace_of(item), item.provider
    holder: CalendarLinkItem | CalendarWatchItem = watch if watch is not None else item
    model = type(holder)
    token = token_for(settings, item)
    api, secret = api_of(config, provider), Secret.new(ws, item.user_id, provider)
    address = config.webhook_base_url + WEBHOOK_PATHS[provider]
    if watch is not None:  # another Google calendar than the primary one
        assert isinstance(api, GoogleCalendar)
        fresh = (api.renew(token, _current(watch), address, secret.value, TTL_S[provider], watch.calendar_id)
                 if watch.channel_id else api.watch(token, address, secret.value, TTL_S[provider], watch.calendar_id))
    elif item.channel_id:
        fresh = api.renew(token, _current(item), address, secret.value, TTL_S[provider])
    else:
        fresh = api.watch(token, address, secret.value, TTL_S[provider])
    suffix = f"#{watch.calendar_id}" if watch is not None else ""
    actions: list[Any] = [
        model.channel_id.set(fresh.channel_id), model.resource_id.set(fresh.resource_id),
        model.watch_expires_at.set(fresh.expires_at), model.GSI1PK.set(RENEW_BUCKET),
        model.GSI1SK.set(f"{_iso(fresh.expires_at)}#{ws}#{item.user_id}#{provider}{suffix}")]
    if fresh.channel_id != holder.channel_id:  # a Microsoft subscription extended in place keeps its clientState
        actions.append(model.token_hash.set(secret.digest))
    holder.update(actions=actions)
    metrics.add_metric(name="CalendarWatchOpened", unit="Count", value=1)


def _link_of(settings: Settings, watch: Any) -> CalendarLinkItem | None:
    """The link a calendar watch belongs to (gone with a disconnect)."""
    if not isinstance(watch, CalendarWatchItem):
        return None
    return link(settings, workspace_of(watch), watch.user_id, watch.provider)


def _current(item: CalendarLinkItem | CalendarWatchItem) -> Watch:
    return Watch(item.channel_id or "", item.resource_id or "", int(item.watch_expires_at or 0))


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
