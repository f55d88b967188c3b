"""The event types endpoints subscribe to: every domain event with a schema (built by infra.event_catalogue)."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from leadpilot.api.cursors import decode_cursor, slice_page
from leadpilot.errors import ValidationFailed


@cache
def entries() -> tuple[dict[str, Any], ...]:
    """Each event type with its description, JSON Schema and a sample payload, sorted by type."""
    text = resources.files("leadpilot.webhooks").joinpath("schemas", "event_catalogue.json").read_text()
    return tuple(json.loads(text))


@cache
def _by_type() -> dict[str, dict[str, Any]]:
    return {entry["type"]: entry for entry in entries()}


def page(limit: int, cursor: str | None, event_type: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the catalogue by type (of one type only, when given: a 422 naming `event` if unknown)."""
    if event_type is not None:
        sample(event_type, "event")
    chosen = [e for e in entries() if event_type in (None, e["type"])]
    return slice_page(chosen, limit, decode_cursor(cursor, lambda v: v in _by_type()), lambda e: str(e["type"]))


def sample(event_type: str, field: str = "event_type") -> dict[str, Any]:
    """The sample payload of a type; a 422 naming `field` when the type is not in the catalogue."""
    entry = _by_type().get(event_type)
    if entry is None:
        raise ValidationFailed.field(field, f"unknown event type {event_type!r}; GET /webhooks/event-types lists them")
    return dict(entry["sample"])


def check_types(event_types: list[str], field: str = "event_types") -> None:
    """Every type is in the catalogue, else a 422 naming the first unknown one (`event_types/2`)."""
    for n, event_type in enumerate(event_types):
        if event_type not in _by_type():
            raise ValidationFailed.field(f"{field}/{n}", f"unknown event type {event_type!r}; "
                                                         "GET /webhooks/event-types lists them")
