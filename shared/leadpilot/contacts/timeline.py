"""A contact's timeline: every event any capability recorded about it (event_item(..., contact_id=...)),
newest first. Activity ids are ULIDs, so a time range is a sort-key range of the partition."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from leadpilot.contacts import store
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.events.outbox import as_plain
from leadpilot.events.record import timeline_pk
from leadpilot.identity.entities import Identity
from leadpilot.ids import crockford

_TYPE = re.compile(r"^[a-z_]+\.[a-z_]+$")
MAX_TYPES = 20
_PAGE = 200


def _ulid_time(ms: int) -> str:
    return crockford(ms, 10)


def _bound(value: str | None, name: str, end: bool) -> str | None:
    """ACTIVITY#<first or last possible ULID of that millisecond>; a bare date covers its whole day."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed.field(name, "must be an ISO 8601 date or date-time") from exc
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    ms = int(parsed.timestamp() * 1000) + (86_400_000 - 1 if end and len(value) == 10 else 0)
    if not 0 <= ms < 2**48:
        raise ValidationFailed.field(name, "is out of range")
    return f"ACTIVITY#{_ulid_time(ms)}{('Z' if end else '0') * 16}"


def parse_types(raw: str | None) -> list[str]:
    types = [t.strip() for t in (raw or "").split(",") if t.strip()]
    if len(types) > MAX_TYPES or not all(_TYPE.match(t) for t in types):
        raise ValidationFailed.field("types", f"must be up to {MAX_TYPES} event types like contact.updated, "
                                              "comma separated")
    return types


def entry(item: ActivityItem) -> dict[str, Any]:
    """One timeline entry as the API shows it."""
    event = as_plain(item.event)
    return {"id": item.activity_id, "type": item.type, "actor": as_plain(item.actor), "data": event.get("data", {}),
            "changes": as_plain(item.changes), "occurred_at": item.occurred_at,
            **({"copied_from": item.copied_from} if item.copied_from else {})}


def list_timeline(identity: Identity, contact_id: str, limit: int, cursor: str | None, types: list[str] | None = None,
                  start: str | None = None, end: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, optionally only some event types and a time range. Kept after deletion."""
    pk = timeline_pk(identity.workspace_id, contact_id)
    low, high = _bound(start, "from", False), _bound(end, "to", True)
    after = store.decode_cursor(cursor)
    high = min(filter(None, [high, f"ACTIVITY#{after}" if after else None]), default=None)
    condition = ActivityItem.SK.between(low or "ACTIVITY#", high or "ACTIVITY#~")
    type_filter = ActivityItem.type.is_in(*types) if types else None
    found: list[ActivityItem] = []
    for item in ActivityItem.query(pk, condition, filter_condition=type_filter, scan_index_forward=False,
                                   page_size=_PAGE):
        if after is not None and item.activity_id == after:
            continue
        found.append(item)
        if len(found) > limit:
            break
    if not found and cursor is None and store.get_item(identity.workspace_id, contact_id) is None \
            and not _has_any(pk):
        raise NotFound("contact not found", {"field": "contact_id"})
    next_cursor = store.encode_cursor(found[limit - 1].activity_id) if len(found) > limit else None
    return [entry(i) for i in found[:limit]], next_cursor


def _has_any(pk: str) -> bool:
    return any(True for _ in ActivityItem.query(pk, ActivityItem.SK.startswith("ACTIVITY#"), limit=1))


def list_activity(identity: Identity, contact_id: str, limit: int, cursor: str | None
                  ) -> tuple[list[dict[str, Any]], str | None]:
    """A contact's activity, newest first (the timeline without filters)."""
    return list_timeline(identity, contact_id, limit, cursor)


def all_entries(workspace_id: str, contact_id: str) -> list[ActivityItem]:
    """Every timeline item of a contact, oldest first (export, merge, erasure)."""
    pk = timeline_pk(workspace_id, contact_id)
    return list(ActivityItem.query(pk, ActivityItem.SK.startswith("ACTIVITY#"), page_size=_PAGE))
