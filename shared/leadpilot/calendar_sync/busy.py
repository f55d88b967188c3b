"""The busy-time cache: per host and connected calendar, the busy intervals of the next `window_days`.

`hosts_busy` is what availability calls: one BatchGetItem of every host's links (a key per host and provider),
never Google or Microsoft; `busy_intervals` is one host's, by a Query of its partition.
The cache holds the busy time of the calendars the host chose for conflicts (`links.conflict_ids`), merged. It
is refreshed on connect, after each push or sync, after we write an appointment, and when the host changes the
selection (which writes the selection and the new cache together); a disconnect deletes the link and its cache.
A refresh stores what it read only if the selection it read for is still the link's, so a refresh racing a
selection change never brings back the old calendars' busy time.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.links import PROVIDERS, api_of, conflict_ids, links, token_for
from leadpilot.calendar_sync.models import CalendarLinkItem, host_pk, link_sk
from leadpilot.calendar_sync.providers import Interval
from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables
from leadpilot.observability import logger
from leadpilot.settings import Settings


def busy_intervals(settings: Settings, workspace_id: str, user_id: str, start: datetime,
                   end: datetime) -> list[tuple[datetime, datetime]]:
    """The host's cached external busy times overlapping [start, end), merged, clipped and sorted (UTC)."""
    low, high = int(start.timestamp()), int(end.timestamp())
    found: list[Interval] = []
    for item in links(settings, workspace_id, user_id):
        found.extend((max(a, low), min(b, high)) for a, b in json.loads(item.busy) if a < high and b > low)
    return [(_utc(a), _utc(b)) for a, b in merge(found)]


def hosts_busy(settings: Settings, workspace_id: str, hosts: Sequence[str], start: datetime,
               end: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
    """Every host's cached external busy times overlapping [start, end), as `busy_intervals` gives one host's:
    the links are read by key in one BatchGetItem (a round trip, not one Query per host)."""
    bind_tables(settings)
    low, high = int(start.timestamp()), int(end.timestamp())
    owner = {host_pk(workspace_id, host): host for host in hosts}
    found: dict[str, list[Interval]] = {host: [] for host in hosts}
    for item in CalendarLinkItem.batch_get([(pk, link_sk(provider)) for pk in owner for provider in PROVIDERS]):
        if item.busy:
            found[owner[item.PK]].extend((max(a, low), min(b, high)) for a, b in json.loads(item.busy)
                                         if a < high and b > low)
    return {host: [(_utc(a), _utc(b)) for a, b in merge(intervals)] for host, intervals in found.items()}


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        elif b > a:
            merged.append((a, b))
    return merged


def refresh_busy(settings: Settings, config: SyncConfig, item: CalendarLinkItem) -> int:
    """Ask the provider for the busy times of the link's chosen calendars over the window and store them (unless
    the selection changed meanwhile); returns how many intervals."""
    window = read_busy(settings, config, item, conflict_ids(item))
    same = (CalendarLinkItem.conflict_calendars == item.conflict_calendars if item.conflict_calendars
            else CalendarLinkItem.conflict_calendars.does_not_exist())
    try:  # and the link is still there: a disconnect meanwhile must not leave a stray cache behind
        item.update(actions=busy_actions(window), condition=same & CalendarLinkItem.PK.exists())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        logger.info("the calendar selection changed (or the link went) while refreshing: nothing stored")
    return len(window[2])


def read_busy(settings: Settings, config: SyncConfig, item: CalendarLinkItem,
              calendars: Sequence[str]) -> tuple[int, int, list[Interval]]:
    """The window (start, until) and the merged busy time of `calendars` in it, from the provider."""
    start = int(time.time()) // 60 * 60
    until = start + config.window_days * 86400
    if not calendars:
        return start, until, []
    token = token_for(settings, item)
    return start, until, merge(api_of(config, item.provider).busy(token, start, until, calendars))


def busy_actions(window: tuple[int, int, list[Interval]]) -> list[Any]:
    """The update that stores a window read by `read_busy`."""
    start, until, busy = window
    return [CalendarLinkItem.busy.set(json.dumps(busy)), CalendarLinkItem.busy_from.set(start),
            CalendarLinkItem.busy_until.set(until), CalendarLinkItem.busy_refreshed_at.set(now_iso())]


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
