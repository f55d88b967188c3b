"""Availability schedules and event types: validated, stored, read back as plain dicts."""
from __future__ import annotations

import json
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.api.cursors import decode_cursor, slice_page
from leadpilot.calendar.models import (
    DefaultScheduleItem,
    EventTypeItem,
    ScheduleItem,
    SlugClaimItem,
)
from leadpilot.calendar.slots import Rules, Schedule
from leadpilot.clock import now_iso
from leadpilot.db.base import CrmModel, transaction
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.settings import Settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVENT_TYPE_DEFAULTS: dict[str, Any] = {
    "description": None, "location": {"kind": "video", "value": None}, "questions": [],
    "confirmation_required": False, "assignment": "single", "weights": {}, "schedule_id": None,
    "buffer_before": 0, "buffer_after": 0, "min_notice_minutes": 60, "window_days": 60, "slot_interval": None,
    "max_per_day": None, "max_per_week": None, "reminders": [{"minutes_before": 1440, "channels": ["email"]},
                                                             {"minutes_before": 60, "channels": ["email", "sms"]}],
    "active": True,
}


def schedules_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CAL#SCHEDULES"


def event_types_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CAL#EVENT_TYPES"


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone, or a 422 naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.field(field, f"unknown time zone {name!r}") from exc


def _clock(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)


def _intervals(raw: list[dict[str, str]], field: str) -> list[tuple[time, time]]:
    """Sorted intervals; an empty or overlapping one is a 422 naming it."""
    parsed = sorted(((_clock(i["start"]), _clock(i["end"]), n) for n, i in enumerate(raw)))
    for n, (start, end, index) in enumerate(parsed):
        if end <= start:
            raise ValidationFailed.field(f"{field}/{index}/end", "must be after start")
        if n and start < parsed[n - 1][1]:
            raise ValidationFailed.field(f"{field}/{index}/start", "overlaps another interval of the day")
    return [(start, end) for start, end, _ in parsed]


def to_schedule(item: ScheduleItem) -> Schedule:
    """The slot engine's view of a stored schedule."""
    weekly = json.loads(item.weekly)
    overrides = json.loads(item.overrides)
    return Schedule(item.timezone,
                    {n: _intervals(weekly.get(day, []), f"weekly/{day}") for n, day in enumerate(DAYS)},
                    {date.fromisoformat(o["date"]): _intervals(o["intervals"], "overrides") for o in overrides})


def _check_schedule(body: dict[str, Any]) -> None:
    if "timezone" in body:
        zone(body["timezone"])
    for day, intervals in (body.get("weekly") or {}).items():
        _intervals(intervals, f"weekly/{day}")
    seen: set[str] = set()
    for n, override in enumerate(body.get("overrides") or []):
        try:
            date.fromisoformat(override["date"])
        except ValueError as exc:
            raise ValidationFailed.field(f"overrides/{n}/date", "is not a calendar date") from exc
        if override["date"] in seen:
            raise ValidationFailed.field(f"overrides/{n}/date", "is given twice")
        seen.add(override["date"])
        _intervals(override["intervals"], f"overrides/{n}/intervals")


def _member(workspace_id: str, user_id: str, field: str) -> None:
    if identity_store.get_membership_item(workspace_id, user_id) is None:
        raise ValidationFailed.field(field, "is not a member of this workspace")


def _caller_user(identity: Identity, field: str) -> str:
    if identity.principal_type != "user":
        raise ValidationFailed.field(field, "is required when an API key calls")
    return identity.principal_id


def paged(items: list[dict[str, Any]], limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of a workspace's schedules or event types (few by design, read whole), in id order."""
    page, next_cursor = slice_page(items, limit, decode_cursor(cursor), lambda item: str(item["id"]))
    return {"items": page, "next_cursor": next_cursor}


def schedule_dict(item: ScheduleItem, default_id: str | None = None) -> dict[str, Any]:
    return {"id": item.schedule_id, "user_id": item.user_id, "name": item.name, "timezone": item.timezone,
            "weekly": json.loads(item.weekly), "overrides": json.loads(item.overrides),
            "default": item.schedule_id == default_id, "created_at": item.created_at, "updated_at": item.updated_at}


def _default_of(workspace_id: str, user_id: str) -> str | None:
    try:
        return str(DefaultScheduleItem.get(schedules_pk(workspace_id), f"DEFAULT#{user_id}").schedule_id)
    except DoesNotExist:
        return None


def create_schedule(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """POST /calendar/schedules: a member's weekly hours; their first one becomes their default."""
    ws = identity.workspace_id
    user_id = body.get("user_id") or _caller_user(identity, "user_id")
    _member(ws, user_id, "user_id")
    _check_schedule(body)
    at = now_iso()
    item = ScheduleItem(schedules_pk(ws), f"SCHED#{(sid := new_id())}", schedule_id=sid, user_id=user_id,
                        name=body["name"].strip(), timezone=body["timezone"], weekly=json.dumps(body["weekly"]),
                        overrides=json.dumps(body.get("overrides") or []), created_at=at, updated_at=at)
    make_default = body.get("default") or _default_of(ws, user_id) is None
    with transaction(settings) as txn:
        txn.save(item)
        if make_default:
            txn.save(DefaultScheduleItem(schedules_pk(ws), f"DEFAULT#{user_id}", schedule_id=sid))
    return schedule_dict(item, sid if make_default else None)


def _schedule_item(workspace_id: str, schedule_id: str) -> ScheduleItem:
    try:
        return ScheduleItem.get(schedules_pk(workspace_id), f"SCHED#{schedule_id}", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("schedule not found", {"field": "schedule_id"}) from exc


def get_schedule(identity: Identity, schedule_id: str) -> dict[str, Any]:
    item = _schedule_item(identity.workspace_id, schedule_id)
    return schedule_dict(item, _default_of(identity.workspace_id, item.user_id))


def list_schedules(identity: Identity) -> list[dict[str, Any]]:
    """Every schedule of the workspace (one Query: schedules and default pointers share a partition)."""
    items = list(CrmModel.query(schedules_pk(identity.workspace_id), consistent_read=True))
    defaults = {i.SK.removeprefix("DEFAULT#"): i.schedule_id for i in items if isinstance(i, DefaultScheduleItem)}
    return [schedule_dict(i, defaults.get(i.user_id)) for i in items if isinstance(i, ScheduleItem)]


def update_schedule(settings: Settings, identity: Identity, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
    item = _schedule_item(identity.workspace_id, schedule_id)
    _check_schedule(body)
    for key in ("name", "timezone"):
        if key in body:
            setattr(item, key, body[key].strip() if key == "name" else body[key])
    if "weekly" in body:
        item.weekly = json.dumps(body["weekly"])
    if "overrides" in body:
        item.overrides = json.dumps(body["overrides"])
    item.updated_at = now_iso()
    with transaction(settings) as txn:
        txn.save(item, condition=ScheduleItem.SK.exists())
        if body.get("default"):
            txn.save(DefaultScheduleItem(schedules_pk(identity.workspace_id), f"DEFAULT#{item.user_id}",
                                         schedule_id=schedule_id))
    return get_schedule(identity, schedule_id)


def delete_schedule(settings: Settings, identity: Identity, schedule_id: str) -> None:
    """Delete a schedule no event type names; a member's default pointer goes with it."""
    ws = identity.workspace_id
    item = _schedule_item(ws, schedule_id)
    for et in list_event_types(identity):
        if et["schedule_id"] == schedule_id:
            raise Conflict("an event type uses this schedule", {"field": "schedule_id", "event_type_id": et["id"]})
    with transaction(settings) as txn:
        txn.delete(item)
        if _default_of(ws, item.user_id) == schedule_id:
            txn.delete(DefaultScheduleItem(schedules_pk(ws), f"DEFAULT#{item.user_id}"))


# ---------------------------------------------------------------- event types

def event_type_dict(item: EventTypeItem) -> dict[str, Any]:
    config = json.loads(item.config)
    return {"id": item.event_type_id, **config, "slug": item.slug, "created_at": item.created_at,
            "updated_at": item.updated_at}


def rules_of(event_type: dict[str, Any], duration: int) -> Rules:
    """The slot engine's rules for one duration of an event type."""
    return Rules(duration=duration, interval=event_type["slot_interval"], buffer_before=event_type["buffer_before"],
                 buffer_after=event_type["buffer_after"], min_notice=event_type["min_notice_minutes"],
                 window_days=event_type["window_days"], max_per_day=event_type["max_per_day"],
                 max_per_week=event_type["max_per_week"])


def _check_event_type(ws: str, config: dict[str, Any]) -> None:
    for n, host in enumerate(config["hosts"]):
        _member(ws, host, f"hosts/{n}")
    if config["assignment"] == "single" and len(config["hosts"]) != 1:
        raise ValidationFailed.field("hosts", "a single-host event type has exactly one host")
    for host in config["weights"]:
        if host not in config["hosts"]:
            raise ValidationFailed.field(f"weights/{host}", "is not one of the hosts")
    if config["schedule_id"]:
        try:
            _schedule_item(ws, config["schedule_id"])
        except NotFound as exc:
            raise ValidationFailed.field("schedule_id", "no such schedule in this workspace") from exc
    else:
        for n, host in enumerate(config["hosts"]):
            if _default_of(ws, host) is None:
                raise ValidationFailed.field(f"hosts/{n}", "has no default schedule: create one or set schedule_id")
    for n, question in enumerate(config["questions"]):
        if question.get("type") == "select" and not question.get("options"):
            raise ValidationFailed.field(f"questions/{n}/options", "a select question needs options")
    if len({q["id"] for q in config["questions"]}) != len(config["questions"]):
        raise ValidationFailed.field("questions", "question ids must be unique")


def _slug_claim(ws: str, slug: str) -> SlugClaimItem:
    return SlugClaimItem(f"WS#{ws}#CAL#SLUG#{slug}", "SLUG")


def create_event_type(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """POST /calendar/event-types: what can be booked, by whom, under which rules."""
    ws = identity.workspace_id
    config = {**EVENT_TYPE_DEFAULTS, **{k: v for k, v in body.items() if k != "slug"}}
    config["name"] = config["name"].strip()
    config.setdefault("hosts", None)
    if not config["hosts"]:
        config["hosts"] = [_caller_user(identity, "hosts")]
    _check_event_type(ws, config)
    at, eid = now_iso(), new_id()
    item = EventTypeItem(event_types_pk(ws), f"ET#{eid}", event_type_id=eid, slug=body["slug"],
                         config=json.dumps(config), created_at=at, updated_at=at)
    claim = _slug_claim(ws, body["slug"])
    claim.event_type_id = eid
    _save_with_slug(settings, item, claim, None)
    return event_type_dict(item)


def _save_with_slug(settings: Settings, item: EventTypeItem, claim: SlugClaimItem | None,
                    old_slug: str | None, version: int | None = None) -> None:
    try:
        with transaction(settings) as txn:
            condition = EventTypeItem.version == version if version is not None else EventTypeItem.SK.does_not_exist()
            txn.save(item, condition=condition)
            if claim is not None:
                txn.save(claim, condition=SlugClaimItem.PK.does_not_exist())
            if old_slug is not None:
                txn.delete(_slug_claim(item.PK.split("#")[1], old_slug))
    except TransactWriteError as exc:
        reasons = list(exc.cancellation_reasons or [])
        if len(reasons) > 1 and reasons[1] is not None and reasons[1].code == "ConditionalCheckFailed":
            raise Conflict("another event type has this slug", {"field": "slug"}) from exc
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise Conflict("the event type was changed by another request; retry",
                           {"reason": "concurrent_modification"}) from exc
        raise


def event_type_item(workspace_id: str, event_type_id: str) -> EventTypeItem:
    try:
        return EventTypeItem.get(event_types_pk(workspace_id), f"ET#{event_type_id}", consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("event type not found", {"field": "event_type_id"}) from exc


def get_event_type(identity: Identity, event_type_id: str) -> dict[str, Any]:
    return event_type_dict(event_type_item(identity.workspace_id, event_type_id))


def list_event_types(identity: Identity) -> list[dict[str, Any]]:
    return [event_type_dict(i) for i in EventTypeItem.query(event_types_pk(identity.workspace_id),
                                                            consistent_read=True)]


def update_event_type(settings: Settings, identity: Identity, event_type_id: str,
                      body: dict[str, Any]) -> dict[str, Any]:
    ws = identity.workspace_id
    item = event_type_item(ws, event_type_id)
    config = {**json.loads(item.config), **{k: v for k, v in body.items() if k != "slug"}}
    config["name"] = config["name"].strip()
    _check_event_type(ws, config)
    version = int(item.version)
    new_slug = body.get("slug")
    claim, old_slug = None, None
    if new_slug and new_slug != item.slug:
        claim, old_slug = _slug_claim(ws, new_slug), item.slug
        claim.event_type_id = event_type_id
        item.slug = new_slug
    item.config, item.updated_at, item.version = json.dumps(config), now_iso(), version + 1
    _save_with_slug(settings, item, claim, old_slug, version)
    return event_type_dict(item)


def delete_event_type(settings: Settings, identity: Identity, event_type_id: str) -> None:
    """Delete an event type: its public page goes; its appointments stay."""
    item = event_type_item(identity.workspace_id, event_type_id)
    with transaction(settings) as txn:
        txn.delete(item)
        txn.delete(_slug_claim(identity.workspace_id, item.slug))


def event_type_by_slug(workspace_id: str, slug: str) -> dict[str, Any] | None:
    """The active event type the public URL names, or None."""
    try:
        claim = SlugClaimItem.get(f"WS#{workspace_id}#CAL#SLUG#{slug}", "SLUG")
        item = EventTypeItem.get(event_types_pk(workspace_id), f"ET#{claim.event_type_id}")
    except DoesNotExist:
        return None
    event_type = event_type_dict(item)
    return event_type if event_type["active"] else None


def host_schedules(workspace_id: str, event_type: dict[str, Any]) -> dict[str, Schedule]:
    """Each host's schedule for this event type, from one Query of the schedules partition."""
    items = list(CrmModel.query(schedules_pk(workspace_id)))
    by_id = {i.schedule_id: i for i in items if isinstance(i, ScheduleItem)}
    defaults = {i.SK.removeprefix("DEFAULT#"): i.schedule_id for i in items if isinstance(i, DefaultScheduleItem)}
    found: dict[str, Schedule] = {}
    for host in event_type["hosts"]:
        sid = event_type["schedule_id"] or defaults.get(host)
        if sid in by_id:
            found[host] = to_schedule(by_id[sid])
    return found
