"""Saved dynamic segments: a named filter (the search language, contacts/filters.py) evaluated on read."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_iso
from leadpilot.contacts import config
from leadpilot.contacts.entities import Contact
from leadpilot.contacts.filters import ContactFilter
from leadpilot.contacts.models import SegmentItem
from leadpilot.contacts.search import check_filter, parse_sort, search
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.events.outbox import as_plain
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    filter: dict[str, Any]
    sort: str
    created_by: str
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#SEGMENTS"


def _to_segment(item: SegmentItem) -> Segment:
    return Segment(id=item.segment_id, name=item.name, filter=as_plain(item.filter), sort=item.sort,
                   created_by=item.created_by, created_at=item.created_at, updated_at=item.updated_at)


def _checked(identity: Identity, body: dict[str, Any]) -> None:
    """The filter must be valid now (schema, defined custom fields) and the sort known."""
    if "filter" in body:
        check_filter(body["filter"], "filter/")
        ContactFilter.from_dict(body["filter"], config.for_identity(identity).definitions, "filter/")
    if "sort" in body:
        parse_sort(body["sort"])


def _get(identity: Identity, segment_id: str) -> SegmentItem:
    try:
        return SegmentItem.get(_pk(identity.workspace_id), f"SEGMENT#{segment_id}", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("segment not found", {"field": "segment_id"}) from exc


def create_segment(identity: Identity, body: dict[str, Any]) -> Segment:
    _checked(identity, body)
    now, segment_id = now_iso(), new_id()
    item = SegmentItem(_pk(identity.workspace_id), f"SEGMENT#{segment_id}", segment_id=segment_id,
                       name=body["name"].strip(), filter=body["filter"], sort=body.get("sort", "-created_at"),
                       created_by=identity.principal_id, created_at=now, updated_at=now)
    item.save(condition=SegmentItem.PK.does_not_exist())
    return _to_segment(item)


def list_segments(identity: Identity, limit: int, cursor: str | None) -> tuple[list[Segment], str | None]:
    """A page of the workspace's segments, oldest first."""
    items, next_cursor = query_page(SegmentItem, _pk(identity.workspace_id), "SEGMENT#", limit, decode_cursor(cursor))
    return [_to_segment(i) for i in items], next_cursor


def get_segment(identity: Identity, segment_id: str) -> Segment:
    return _to_segment(_get(identity, segment_id))


def update_segment(identity: Identity, segment_id: str, body: dict[str, Any]) -> Segment:
    item = _get(identity, segment_id)
    _checked(identity, body)
    actions: list[Any] = [SegmentItem.updated_at.set(now_iso())]
    if "name" in body:
        actions.append(SegmentItem.name.set(body["name"].strip()))
    if "filter" in body:
        actions.append(SegmentItem.filter.set(body["filter"]))
    if "sort" in body:
        actions.append(SegmentItem.sort.set(body["sort"]))
    item.update(actions=actions, condition=SegmentItem.PK.exists())
    return _to_segment(item)


def delete_segment(identity: Identity, segment_id: str) -> None:
    _get(identity, segment_id).delete()


def segment_contacts(identity: Identity, segment_id: str, limit: int, cursor: str | None
                     ) -> tuple[list[Contact], str | None]:
    """The contacts the segment's filter matches now, one page at a time."""
    segment = get_segment(identity, segment_id)
    try:
        flt = ContactFilter.from_dict(segment.filter, config.for_identity(identity).definitions, "filter/")
    except ValidationFailed as exc:  # e.g. a custom field the filter names was deleted since
        raise Conflict(f"the segment's filter is no longer valid: {exc.message}", exc.details) from exc
    return search(identity, flt, segment.sort, limit, cursor)
