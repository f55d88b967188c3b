"""External changes: pushes from Google and Microsoft, incremental sync, and calendar.external_event_changed.

A push is trusted only if its secret (Google: X-Goog-Channel-Token with X-Goog-Channel-ID; Microsoft: each
notification's clientState with its subscriptionId) is the link's current one; anything else is 403 and nothing
is read or written. A synced event moved or deleted outside LeadPilot publishes calendar.external_event_changed
(the calendar capability updates or cancels the appointment); the busy cache is refreshed after every push.
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.calendar_sync.busy import refresh_busy
from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.google import GoogleCalendar
from leadpilot.calendar_sync.graph import GraphCalendar
from leadpilot.calendar_sync.links import (
    Secret,
    Skipped,
    api_of,
    calendar_watches,
    link,
    proven,
    token_for,
    workspace_of,
)
from leadpilot.calendar_sync.models import CalendarLinkItem, CalendarWatchItem, SyncedEventItem, external_gsi
from leadpilot.calendar_sync.providers import PRIMARY, Change, ProviderError, SyncTokenExpired
from leadpilot.db.base import transaction
from leadpilot.errors import Forbidden, ServiceUnavailable
from leadpilot.events import outbox
from leadpilot.events.record import event_item
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

SYSTEM = {"type": "system", "id": "calendar-sync"}
REFUSED = "the push notification's channel token is not valid"


def google_push(settings: Settings, config: SyncConfig, headers: dict[str, str]) -> dict[str, Any]:
    """Handle a Google push (headers only): verify the channel (the link's, or one of its other calendars'), then
    sync what changed in that calendar."""
    secret = Secret.parse(headers.get("x-goog-channel-token"))
    item = link(settings, secret.workspace_id, secret.user_id, "google") if secret else None
    channel_id = headers.get("x-goog-channel-id")
    if secret is None or secret.provider != "google" or item is None:
        raise Forbidden(REFUSED, {"field": "X-Goog-Channel-Token"})
    watch = None
    if not proven(item, secret, channel_id):
        watch = next((w for w in calendar_watches(item) if proven(w, secret, channel_id)), None)
        if watch is None or not channel_id:
            raise Forbidden(REFUSED, {"field": "X-Goog-Channel-Token"})
    if headers.get("x-goog-resource-state") == "sync":  # the channel's first message: nothing changed yet
        return {"changed": 0}
    try:
        return {"changed": sync_google(settings, config, item, watch)}
    except Skipped:
        return {"changed": 0}
    except ProviderError as exc:  # a 503 makes Google send the push again later
        raise ServiceUnavailable("Google Calendar could not be read; try again") from exc


def sync_google(settings: Settings, config: SyncConfig, item: CalendarLinkItem,
                watch: CalendarWatchItem | None = None) -> int:
    """Incremental sync of one calendar with its sync token (410 Gone: a full one), then refresh the busy cache.
    The primary calendar's token is on the link; another chosen calendar's on its watch.

    The host's live synced events in that calendar are read once (one Query) and the changes matched against them
    in memory: a first full sync of a busy calendar costs no lookup per event, and a full resync of one calendar
    never takes our events in another for deleted."""
    api = api_of(config, "google")
    assert isinstance(api, GoogleCalendar)
    token = token_for(settings, item)
    calendar = watch.calendar_id if watch is not None else PRIMARY
    holder: CalendarLinkItem | CalendarWatchItem = watch if watch is not None else item
    ours = {s.external_id: s for s in SyncedEventItem.query(
        item.PK, SyncedEventItem.SK.startswith("EVENT#google#"), filter_condition=SyncedEventItem.cancelled == 0)
        if (s.calendar_id or PRIMARY) == calendar}
    try:
        found, next_token = api.changes(token, holder.sync_token, calendar)
    except SyncTokenExpired:
        logger.info("the sync token expired: full resync")
        metrics.add_metric(name="CalendarFullResync", unit="Count", value=1)
        found, next_token = api.changes(token, None, calendar)
        # our events missing from a full list were deleted (it may omit deletions Google has already purged)
        live = {c.external_id for c in found if not c.cancelled}
        found.extend(Change(external_id, True) for external_id in ours if external_id not in live)
    changed = sum(apply_change(settings, item, "google", c, ours[c.external_id]) for c in found
                  if c.external_id in ours)
    holder.update(actions=[type(holder).sync_token.set(next_token)])
    refresh_busy(settings, config, item)
    return changed


def microsoft_push(settings: Settings, config: SyncConfig, body: dict[str, Any]) -> dict[str, Any]:
    """Handle Graph change notifications: every one must carry its subscription's clientState."""
    notes = body.get("value")
    if not isinstance(notes, list) or not notes:
        raise Forbidden(REFUSED, {"field": "clientState"})
    checked: list[tuple[CalendarLinkItem, str]] = []
    for note in notes:
        note = note if isinstance(note, dict) else {}
        secret = Secret.parse(str(note.get("clientState") or ""))
        item = link(settings, secret.workspace_id, secret.user_id, "microsoft") if secret else None
        if secret is None or secret.provider != "microsoft" or not proven(item, secret, note.get("subscriptionId")):
            raise Forbidden(REFUSED, {"field": "clientState"})
        assert item is not None
        checked.append((item, str((note.get("resourceData") or {}).get("id") or "")))
    try:
        return {"changed": sum(_graph_changes(settings, config, item, ids) for item, ids in _by_link(checked))}
    except ProviderError as exc:
        raise ServiceUnavailable("Microsoft Graph could not be read; try again") from exc


def _by_link(checked: list[tuple[CalendarLinkItem, str]]) -> list[tuple[CalendarLinkItem, list[str]]]:
    grouped: dict[str, tuple[CalendarLinkItem, list[str]]] = {}
    for item, event_id in checked:
        grouped.setdefault(str(item.PK), (item, []))[1].append(event_id)
    return list(grouped.values())


def _graph_changes(settings: Settings, config: SyncConfig, item: CalendarLinkItem, event_ids: list[str]) -> int:
    api = api_of(config, "microsoft")
    assert isinstance(api, GraphCalendar)
    try:
        token = token_for(settings, item)
        changed = 0
        for event_id in filter(None, event_ids):
            synced = next(iter(SyncedEventItem.gsi1.query(external_gsi(workspace_of(item), "microsoft", event_id))),
                          None)
            if isinstance(synced, SyncedEventItem):  # else not ours: its busy time reaches the cache below
                changed += apply_change(settings, item, "microsoft", api.event(token, event_id), synced)
        refresh_busy(settings, config, item)
    except Skipped:
        return 0
    return changed


def apply_change(settings: Settings, item: CalendarLinkItem, provider: str, change: Change,
                 synced: SyncedEventItem) -> bool:
    """If our appointment's event moved or went away, record and publish that (once)."""
    ws = workspace_of(item)
    if synced.cancelled:
        return False
    if not change.cancelled and (change.start, change.end) == (synced.start, synced.end):
        return False  # our own write coming back
    data = {"appointment_id": synced.appointment_id, "host_user_id": item.user_id, "provider": provider,
            "external_event_id": change.external_id, "change": "cancelled" if change.cancelled else "moved",
            "start": change.start, "end": change.end}
    event = event_item(ws, SYSTEM, "calendar.external_event_changed", data)
    marks: list[Any] = ([SyncedEventItem.cancelled.set(1)] if change.cancelled
             else [SyncedEventItem.start.set(change.start or ""), SyncedEventItem.end.set(change.end or "")])
    unchanged = ((SyncedEventItem.start == synced.start) & (SyncedEventItem.end == synced.end)
                 & (SyncedEventItem.cancelled == 0))
    try:
        with transaction(settings) as txn:
            txn.update(synced, actions=marks, condition=unchanged)
            txn.save(event)
    except TransactWriteError as exc:  # a concurrent push recorded this change first: publish it once
        if not any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            raise
        return False
    outbox.publish_now(settings, [event])
    metrics.add_metric(name="CalendarExternalChange", unit="Count", value=1)
    return True
