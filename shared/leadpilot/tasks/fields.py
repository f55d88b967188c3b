"""Turning a task request body into checked field values (each error a 422 naming its field)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from leadpilot.contacts import store as contacts
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.identity.store import get_membership_item
from leadpilot.tasks.entities import DEFAULT_REMINDERS, Task
from leadpilot.tasks.timing import instant, iso, parse_datetime, recurrence_rule, reminder_minutes, zone

_TEXT = ("title", "description")
_PLAIN = ("status", "priority")


def check_assignee(workspace_id: str, user_id: str | None, field: str = "assignee_id") -> None:
    """The assignee must be a member of the workspace."""
    if user_id is not None and get_membership_item(workspace_id, user_id) is None:
        raise ValidationFailed.field(field, "is not a member of this workspace")


def check_related(workspace_id: str, related: dict[str, str] | None) -> None:
    """A related contact must exist in the caller's workspace. Deals and conversations are not stored yet,
    so for them a well-formed id is accepted as is (the schema checks the shape)."""
    if related and related["type"] == "contact" and contacts.get_item(workspace_id, related["id"]) is None:
        raise ValidationFailed.field("related_to/id", "no such contact in this workspace")


def _text(body: dict[str, Any], out: dict[str, Any]) -> None:
    for name in _TEXT:
        if name in body:
            value = (body[name] or "").strip() or None
            if name == "title" and value is None:
                raise ValidationFailed.field("title", "must not be blank")
            out[name] = value


def _timing(identity: Identity, body: dict[str, Any], current: Task | None, out: dict[str, Any]) -> None:
    tz_name = body.get("timezone") or (current.timezone if current else identity.workspace.timezone)
    tz = zone(tz_name)
    out["timezone"] = tz.key
    if "due_at" in body:
        out["due_at"] = iso(parse_datetime(body["due_at"], tz, "due_at")) if body["due_at"] is not None else None
    if "reminders" in body:
        out["reminders"] = reminder_minutes(body["reminders"] or [])
    if "recurrence" in body:
        out["recurrence"] = (body["recurrence"] or "").strip() or None


def _series(current: Task | None, out: dict[str, Any]) -> None:
    """Check the recurrence against the (new) due time; a change of rule, due time or zone restarts the series."""
    merged = {**(current.__dict__ if current else {}), **out}
    due, rule, tz_name = merged.get("due_at"), merged.get("recurrence"), merged["timezone"]
    if rule is None:
        out["series_start"] = None
        return
    if due is None:
        raise ValidationFailed.field("recurrence", "needs a due_at to repeat from")
    recurrence_rule(rule, instant(due).astimezone(zone(tz_name)))
    restart = current is None or any(k in out and out[k] != getattr(current, k)
                                     for k in ("due_at", "recurrence", "timezone"))
    out["series_start"] = due if restart or not merged.get("series_start") else merged["series_start"]


def task_fields(identity: Identity, body: dict[str, Any], current: Task | None = None) -> dict[str, Any]:
    """The fields a create (current None) or a partial update sets, normalised and checked."""
    out: dict[str, Any] = {}
    _text(body, out)
    out.update({name: body[name] for name in _PLAIN if name in body and body[name] is not None})
    _timing(identity, body, current, out)
    if "assignee_id" in body:
        check_assignee(identity.workspace_id, body["assignee_id"])
        out["assignee_id"] = body["assignee_id"]
    if "related_to" in body:
        check_related(identity.workspace_id, body["related_to"])
        out["related_to"] = dict(body["related_to"]) if body["related_to"] else None
    _series(current, out)
    if current is None:
        out.setdefault("reminders", list(DEFAULT_REMINDERS))
    return out


def parse_bound(identity: Identity, value: str | None, field: str) -> str | None:
    """A due_before/due_after query value as a stored instant; without an offset it is workspace time."""
    if value is None:
        return None
    return iso(parse_datetime(value, zone(identity.workspace.timezone), field))


def utc(now: datetime) -> str:
    return iso(now)
