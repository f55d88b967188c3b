"""The contact filter language shared by search, saved segments and scoring rules.

A filter (JSON, schemas/contact_filter.json) is:
  {"q": "ada", "tags": {"all": [], "any": [], "none": []}, "source": ["web"],
   "custom_fields": [{"key": "plan", "op": "eq", "value": "gold"}], "score": {"min": 10, "max": 90},
   "created_at": {"from": "2024-01-01", "to": "2024-12-31T23:59:59Z"}, "last_activity_at": {...},
   "do_not_contact": false, "owner_id": "<user id>"}
Every part is optional and they all must hold (AND).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from leadpilot.contacts.entities import Contact
from leadpilot.contacts.fields import FieldDefinition
from leadpilot.contacts.normalize import normalize_tags
from leadpilot.errors import ValidationFailed

CUSTOM_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "contains", "in", "exists", "not_exists")
FIELD_OPS = ("eq", "neq", "contains", "starts_with", "in", "exists", "not_exists")
RULE_FIELDS = ("first_name", "last_name", "email", "phone", "company", "source", "owner_id", "do_not_contact")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def compare(actual: Any, op: str, expected: Any) -> bool:
    """One condition on one value; comparisons between incompatible types are simply false."""
    if op == "exists":
        return not _empty(actual)
    if op == "not_exists":
        return _empty(actual)
    if _empty(actual):
        return op == "neq"
    if isinstance(actual, list):
        return _compare_list(actual, op, expected)
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.casefold(), expected.casefold()
    try:
        return _compare_scalar(actual, op, expected)
    except TypeError:
        return False


def _compare_list(actual: list[Any], op: str, expected: Any) -> bool:
    if op in ("contains", "eq"):
        return expected in actual
    if op == "neq":
        return expected not in actual
    if op == "in":
        return any(v in actual for v in expected or [])
    return False


def _compare_scalar(actual: Any, op: str, expected: Any) -> bool:
    checks = {"eq": lambda: actual == expected, "neq": lambda: actual != expected,
              "gt": lambda: actual > expected, "gte": lambda: actual >= expected,
              "lt": lambda: actual < expected, "lte": lambda: actual <= expected,
              "contains": lambda: isinstance(actual, str) and str(expected).casefold() in actual,
              "starts_with": lambda: isinstance(actual, str) and actual.startswith(str(expected).casefold()),
              "in": lambda: actual in [v.casefold() if isinstance(v, str) else v for v in expected or []]}
    return bool(checks[op]())


def rule_matches(contact: Contact, when: dict[str, Any]) -> bool:
    """A scoring-rule condition: {"tag": t} | {"field": f, "op", "value"} | {"custom_field": k, "op", "value"}."""
    if "tag" in when:
        return str(when["tag"]).lower() in contact.tags
    if "custom_field" in when:
        return compare(contact.custom_fields.get(when["custom_field"]), when["op"], when.get("value"))
    return compare(getattr(contact, when["field"]), when["op"], when.get("value"))


def check_custom_conditions(conditions: list[dict[str, Any]], definitions: dict[str, FieldDefinition],
                            where: str) -> None:
    """Conditions may only name fields that are defined (422 naming custom_fields/<key>)."""
    for cond in conditions:
        if cond["key"] not in definitions:
            raise ValidationFailed.field(f"{where}custom_fields/{cond['key']}",
                                         "is not a custom field of this workspace")
        if cond["op"] not in ("exists", "not_exists") and "value" not in cond:
            raise ValidationFailed.field(f"{where}custom_fields/{cond['key']}", f"op {cond['op']} needs a value")


def _instant(value: str | None, name: str, end: bool) -> str | None:
    """An ISO date or datetime as a comparable UTC string; a bare date covers its whole day."""
    if value is None:
        return None
    if not _DATE.match(value):
        raise ValidationFailed.field(name, "must be an ISO 8601 date or date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed.field(name, "must be an ISO 8601 date or date-time") from exc
    if len(value) == 10:
        return value + ("T23:59:59.999Z" if end else "T00:00:00.000Z")
    try:
        utc = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+05:00 is before the first representable instant
        raise ValidationFailed.field(name, "is out of range") from exc
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ContactFilter:
    """A validated filter; `matches` evaluates it on one contact (custom fields already limited to active ones)."""

    q: str | None = None
    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    custom: tuple[tuple[str, str, Any], ...] = ()
    score_min: int | None = None
    score_max: int | None = None
    created: tuple[str | None, str | None] = (None, None)
    activity: tuple[str | None, str | None] = (None, None)
    do_not_contact: bool | None = None
    owner_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], definitions: dict[str, FieldDefinition], where: str = ""
                  ) -> ContactFilter:
        """From a schema-valid filter dict; `where` prefixes field names in errors (e.g. "filter/")."""
        tags = data.get("tags") or {}
        custom = list(data.get("custom_fields") or [])
        check_custom_conditions(custom, definitions, where)
        created, activity = data.get("created_at") or {}, data.get("last_activity_at") or {}
        q = " ".join(str(data.get("q") or "").split()) or None
        return cls(q=q, tags_all=tuple(normalize_tags(tags.get("all") or [])),
                   tags_any=tuple(normalize_tags(tags.get("any") or [])),
                   tags_none=tuple(normalize_tags(tags.get("none") or [])),
                   sources=tuple(s.strip().casefold() for s in data.get("source") or []),
                   custom=tuple((c["key"], c["op"], c.get("value")) for c in custom),
                   score_min=(data.get("score") or {}).get("min"), score_max=(data.get("score") or {}).get("max"),
                   created=(_instant(created.get("from"), f"{where}created_at/from", False),
                            _instant(created.get("to"), f"{where}created_at/to", True)),
                   activity=(_instant(activity.get("from"), f"{where}last_activity_at/from", False),
                             _instant(activity.get("to"), f"{where}last_activity_at/to", True)),
                   do_not_contact=data.get("do_not_contact"), owner_id=data.get("owner_id"), raw=data)

    def matches(self, c: Contact) -> bool:
        """Every condition except q (q chooses the candidates; see search.py)."""
        tags = set(c.tags)
        return (all(t in tags for t in self.tags_all) and (not self.tags_any or any(t in tags for t in self.tags_any))
                and not any(t in tags for t in self.tags_none)
                and (not self.sources or (c.source or "").casefold() in self.sources)
                and all(compare(c.custom_fields.get(k), op, v) for k, op, v in self.custom)
                and (self.score_min is None or c.score >= self.score_min)
                and (self.score_max is None or c.score <= self.score_max)
                and _within(c.created_at, self.created) and _within(c.last_activity_at, self.activity)
                and (self.do_not_contact is None or c.do_not_contact == self.do_not_contact)
                and (self.owner_id is None or c.owner_id == self.owner_id))


def _within(value: str | None, bounds: tuple[str | None, str | None]) -> bool:
    low, high = bounds
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value <= high)
