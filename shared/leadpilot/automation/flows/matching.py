"""Which contact an event is about, and whether it passes a flow's trigger filters.

Filters are the flow schema's predicates, evaluated here with the compiler's semantics (a missing or
mistyped value is simply false) against {"trigger": event, "contact": snapshot}.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from leadpilot.automation.flows.compiler import tag_key

_ORDER: dict[str, Callable[[Any, Any], bool]] = {"eq": operator.eq, "gt": operator.gt, "gte": operator.ge,
                                                 "lt": operator.lt, "lte": operator.le}


def contact_of(event: Mapping[str, Any]) -> str | None:
    """The contact a domain event is about, if any."""
    data = event.get("data") or {}
    if event.get("type") in ("contact.created", "contact.updated"):  # data is the contact itself
        return str(data.get("id") or "") or None
    related = data.get("related_to") or {}
    if isinstance(related, Mapping) and related.get("type") == "contact":
        return str(related.get("id") or "") or None
    return str(data.get("contact_id") or "") or None


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    current: Any = context
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def matches(predicate: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """Evaluate one predicate (var/op/value, all, any, not)."""
    if "all" in predicate:
        return all(matches(p, context) for p in predicate["all"])
    if "any" in predicate:
        return any(matches(p, context) for p in predicate["any"])
    if "not" in predicate:
        return not matches(predicate["not"], context)
    op, expected = predicate["op"], predicate.get("value")
    if op in ("has_tag", "not_has_tag"):
        flags = _lookup(context, "contact.tag_flags") or {}
        return (tag_key(str(expected)) in flags) == (op == "has_tag")
    actual = _lookup(context, predicate["var"])
    if op in ("exists", "not_exists"):
        return (actual is not None) == (op == "exists")
    if op in ("is_true", "is_false"):
        return isinstance(actual, bool) and actual == (op == "is_true")
    if op == "ne":
        return not matches({**predicate, "op": "eq"}, context)
    if op in ("contains", "starts_with"):
        return isinstance(actual, str) and (str(expected) in actual if op == "contains"
                                            else actual.startswith(str(expected)))
    return _compare(op, actual, expected)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return op == "eq" and isinstance(actual, bool) and actual == expected
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and _ORDER[op](actual, expected)
    return isinstance(actual, str) and _ORDER[op](actual, str(expected))


def passes(filters: list[Mapping[str, Any]], context: Mapping[str, Any]) -> bool:
    """True when every filter holds (no filters: always)."""
    return all(matches(f, context) for f in filters)
