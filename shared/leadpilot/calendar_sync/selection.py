"""Which of a connected account's calendars count for conflicts, and which one new bookings are written to.

The host lists the account's calendars (asked from the provider each time, so a new or removed calendar shows at
once) and chooses; the choice lives on the host's link (`links.conflict_ids`, `links.write_target`; the primary
calendar until chosen). Changing it reads the new calendars' busy time first and stores the choice and that busy
cache in one write: availability never mixes the old selection's busy time with the new one's. Then the chosen
Google calendars besides the primary one get push channels of their own, and the others lose theirs.
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.calendar_sync import watches
from leadpilot.calendar_sync.busy import busy_actions, read_busy
from leadpilot.calendar_sync.config import SyncConfig
from leadpilot.calendar_sync.links import (
    PROVIDERS,
    Skipped,
    api_of,
    conflict_ids,
    ensure_link,
    link,
    token_for,
    write_target,
)
from leadpilot.calendar_sync.models import CalendarLinkItem
from leadpilot.calendar_sync.providers import PRIMARY, Calendar, ProviderError
from leadpilot.db.base import bind_tables
from leadpilot.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.integrations.connections import Connection, find_connection
from leadpilot.observability import metrics
from leadpilot.settings import Settings


class ReconnectNeeded(Conflict):
    """The connection must be made again before its calendars can be read."""

    code = "reconnect_needed"


def calendars_of(settings: Settings, config: SyncConfig, identity: Identity, connection_id: str) -> dict[str, Any]:
    """The connection's calendars, each with whether it counts for conflicts and whether bookings go there."""
    connection = _own(settings, identity, connection_id)
    item = _link_of(settings, identity, connection)
    return _view(connection, item, _calendars(settings, config, item))


def choose(settings: Settings, config: SyncConfig, identity: Identity, connection_id: str,
           body: dict[str, Any]) -> dict[str, Any]:
    """Change the calendars checked for conflicts and/or the write target; the busy cache follows at once."""
    connection = _own(settings, identity, connection_id)
    item = _link_of(settings, identity, connection)
    found = _calendars(settings, config, item)
    conflicts = list(dict.fromkeys(_stored(found, c, f"conflict_calendars/{n}")
                                   for n, c in enumerate(body["conflict_calendars"]))) \
        if "conflict_calendars" in body else conflict_ids(item)
    target = _stored(found, body["write_calendar"], "write_calendar") if "write_calendar" in body \
        else write_target(item)
    chosen = _by_stored_id(found).get(target)
    if chosen is None:  # the current target was removed at the provider
        raise ValidationFailed.field("write_calendar", "the calendar bookings went to is gone: choose another")
    if not chosen.writable:
        raise ValidationFailed.field("write_calendar", "bookings cannot be written to a read-only calendar")
    actions: list[Any] = []  # only what the body names: two quick changes of different fields both stand
    if "write_calendar" in body:
        actions.append(CalendarLinkItem.write_calendar.set(target))
    if "conflict_calendars" in body:
        actions.append(CalendarLinkItem.conflict_calendars.set(json.dumps(conflicts)))
        actions += busy_actions(_read(settings, config, item, conflicts))
    try:  # a disconnect meanwhile deleted the link: do not bring part of it back
        item.update(actions=actions, condition=CalendarLinkItem.PK.exists())
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise NotFound("connection not found", {"field": "connection_id"}) from exc
    watches.follow_selection(settings, config, item)
    metrics.add_metric(name="CalendarSelectionChanged", unit="Count", value=1)
    return _view(connection, item, found)


def _own(settings: Settings, identity: Identity, connection_id: str) -> Connection:
    """The caller's own Google or Microsoft connection (another member's, or another workspace's, is 404)."""
    bind_tables(settings)
    connection = find_connection(identity.workspace_id, connection_id)
    if connection is None or connection.user_id != identity.principal_id or connection.provider not in PROVIDERS:
        raise NotFound("connection not found", {"field": "connection_id"})
    return connection


def _link_of(settings: Settings, identity: Identity, connection: Connection) -> CalendarLinkItem:
    """The host's link to the provider (made now if the connection's own event has not been handled yet)."""
    found = link(settings, identity.workspace_id, connection.user_id, connection.provider)
    return found or ensure_link(settings, identity.workspace_id, connection.user_id, connection.provider)


def _calendars(settings: Settings, config: SyncConfig, item: CalendarLinkItem) -> list[Calendar]:
    try:
        return api_of(config, item.provider).calendars(token_for(settings, item))
    except Skipped as exc:
        raise ReconnectNeeded("the connection needs reconnecting", {"field": "connection_id"}) from exc
    except ProviderError as exc:
        raise ServiceUnavailable("the calendars could not be read from the provider; try again") from exc


def _read(settings: Settings, config: SyncConfig, item: CalendarLinkItem,
          calendars: list[str]) -> tuple[int, int, list[tuple[int, int]]]:
    try:
        return read_busy(settings, config, item, calendars)
    except Skipped as exc:
        raise ReconnectNeeded("the connection needs reconnecting", {"field": "connection_id"}) from exc
    except ProviderError as exc:
        raise ServiceUnavailable("the calendars' busy times could not be read; nothing changed") from exc


def _by_stored_id(found: list[Calendar]) -> dict[str, Calendar]:
    """Calendars by the id a selection stores: PRIMARY for the account's main calendar."""
    return {PRIMARY if c.primary else c.id: c for c in found}


def _stored(found: list[Calendar], calendar_id: str, field: str) -> str:
    """The id to store for a calendar the host named (its own id, or PRIMARY for the main one), else a 422."""
    for calendar in found:
        if calendar_id == calendar.id or (calendar.primary and calendar_id == PRIMARY):
            return PRIMARY if calendar.primary else calendar.id
    raise ValidationFailed.field(field, f"{calendar_id!r} is not one of this account's calendars")


def _view(connection: Connection, item: CalendarLinkItem, found: list[Calendar]) -> dict[str, Any]:
    conflicts, target = set(conflict_ids(item)), write_target(item)
    rows = [{"id": c.id, "name": c.name, "primary": c.primary, "writable": c.writable,
             "selected_for_conflicts": stored in conflicts, "is_write_target": stored == target}
            for stored, c in _by_stored_id(found).items()]
    return {"connection_id": connection.id, "provider": connection.provider, "calendars": rows}
