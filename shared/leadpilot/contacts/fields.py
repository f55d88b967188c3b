"""Workspace-defined custom contact fields: their definitions and the validation of contact values.

Deleting a definition leaves a tombstone: the values stay on the contacts but are no longer accepted,
returned, searched or scored (they are still included in a GDPR export and removed by erasure).
Re-creating the key with the same type brings them back; with another type it is refused (409).
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_iso
from leadpilot.contact_points import normalize_email, normalize_phone
from leadpilot.contacts.models import FieldDefinitionItem
from leadpilot.db.base import transaction
from leadpilot.errors import Conflict, DomainError, NotFound, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.settings import Settings

TYPES = ("text", "number", "date", "boolean", "single_select", "multi_select", "url", "email", "phone")
SELECTS = ("single_select", "multi_select")
MAX_DEFINITIONS = 100
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_NUMBER = 1e15


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    label: str
    type: str
    options: list[str]
    required: bool
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CONTACT_FIELDS"


def _to_definition(item: FieldDefinitionItem) -> FieldDefinition:
    return FieldDefinition(key=item.key, label=item.label, type=item.type, options=[str(o) for o in item.options or []],
                           required=bool(item.required), created_at=item.created_at, updated_at=item.updated_at)


def _get(workspace_id: str, key: str) -> FieldDefinitionItem | None:
    try:
        return FieldDefinitionItem.get(_pk(workspace_id), f"FIELD#{key}", consistent_read=True)
    except DoesNotExist:
        return None


def load_definitions(workspace_id: str) -> dict[str, FieldDefinition]:
    """The workspace's active definitions by key, read now (one Query of a small partition)."""
    items = FieldDefinitionItem.query(_pk(workspace_id), FieldDefinitionItem.SK.startswith("FIELD#"),
                                      consistent_read=True)
    return {i.key: _to_definition(i) for i in items if i.status == "active"}


def active_definitions(workspace_id: str) -> dict[str, FieldDefinition]:
    """The workspace's active definitions by key: this process's copy, checked current (contacts/config.py)."""
    from leadpilot.contacts import config  # it builds on this module

    return config.current(workspace_id).definitions


def _write(settings: Settings, workspace_id: str, item: FieldDefinitionItem, actions: list[Any] | None = None,
           condition: Any = None) -> None:
    """Save (or update with `actions`) a definition and count the change, in one transaction."""
    from leadpilot.contacts import config

    version, bump = config.bump(workspace_id)
    with transaction(settings) as txn:
        if actions is None:
            txn.save(item)
        else:
            txn.update(item, actions=actions, condition=condition)
        txn.update(version, actions=bump)
    if actions is not None:
        item.refresh(consistent_read=True)


def list_definitions(identity: Identity, limit: int, cursor: str | None) -> tuple[list[FieldDefinition], str | None]:
    """A page of the active definitions, by key."""
    after = decode_cursor(cursor, lambda value: KEY.fullmatch(value))
    items, next_cursor = query_page(FieldDefinitionItem, _pk(identity.workspace_id), "FIELD#", limit, after,
                                    keep=lambda item: item.status == "active")
    return [_to_definition(i) for i in items], next_cursor


def _check_options(kind: str, options: list[str] | None) -> list[str]:
    if kind in SELECTS and not options:
        raise ValidationFailed.field("options", f"is required for a {kind} field")
    if kind not in SELECTS and options:
        raise ValidationFailed.field("options", f"applies only to {' and '.join(SELECTS)} fields")
    return list(dict.fromkeys(o.strip() for o in options or []))


def create_definition(settings: Settings, identity: Identity, body: dict[str, Any]) -> FieldDefinition:
    """Define a field; a deleted key may be re-created with its old type (its stored values come back)."""
    key, kind = body["key"], body["type"]
    options = _check_options(kind, body.get("options"))
    existing = _get(identity.workspace_id, key)
    if existing is not None and existing.status == "active":
        raise Conflict("a custom field with this key already exists", {"field": "key"})
    if existing is not None and existing.type != kind:
        raise Conflict(f"this key belonged to a deleted {existing.type} field; choose another key",
                       {"field": "key", "previous_type": existing.type})
    if len(active_definitions(identity.workspace_id)) >= MAX_DEFINITIONS:
        raise Conflict(f"a workspace can define at most {MAX_DEFINITIONS} custom fields", {"field": "key"})
    now = now_iso()
    item = FieldDefinitionItem(_pk(identity.workspace_id), f"FIELD#{key}", key=key, label=body["label"].strip(),
                               type=kind, options=options, required=bool(body.get("required", False)),
                               status="active", created_at=existing.created_at if existing else now, updated_at=now)
    _write(settings, identity.workspace_id, item)
    return _to_definition(item)


def _active_or_404(identity: Identity, key: str) -> FieldDefinitionItem:
    item = _get(identity.workspace_id, key)
    if item is None or item.status != "active":
        raise NotFound("custom field not found", {"field": "field_key"})
    return item


def update_definition(settings: Settings, identity: Identity, key: str, body: dict[str, Any]) -> FieldDefinition:
    """Change label, options or required; the type of a field never changes."""
    item = _active_or_404(identity, key)
    actions: list[Any] = [FieldDefinitionItem.updated_at.set(now_iso())]
    if "label" in body:
        actions.append(FieldDefinitionItem.label.set(body["label"].strip()))
    if "options" in body:
        options: Any = _check_options(item.type, body["options"])
        actions.append(FieldDefinitionItem.options.set(options))
    if "required" in body:
        actions.append(FieldDefinitionItem.required.set(bool(body["required"])))
    _write(settings, identity.workspace_id, item, actions, FieldDefinitionItem.status == "active")
    return _to_definition(item)


def delete_definition(settings: Settings, identity: Identity, key: str) -> None:
    """Stop accepting the field (tombstone; stored values are kept, see the module docstring)."""
    item = _active_or_404(identity, key)
    _write(settings, identity.workspace_id, item,
           [FieldDefinitionItem.status.set("deleted"), FieldDefinitionItem.updated_at.set(now_iso())])


def _coerce(d: FieldDefinition, value: Any, region: str, name: str) -> Any:
    kind = d.type
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationFailed.field(name, "must be true or false")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or abs(value) > _MAX_NUMBER:
            raise ValidationFailed.field(name, "must be a number")
        return int(value) if float(value).is_integer() else value
    if kind == "multi_select":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationFailed.field(name, "must be a list of options")
        bad = [v for v in value if v not in d.options]
        if bad:
            raise ValidationFailed.field(name, f"{bad[0]!r} is not one of the options")
        return list(dict.fromkeys(value))
    if not isinstance(value, str):
        raise ValidationFailed.field(name, "must be a string")
    return _coerce_text(d, value.strip(), region, name)


def _coerce_text(d: FieldDefinition, text: str, region: str, name: str) -> Any:
    if not text:
        return None
    if d.type == "email":
        return normalize_email(text, field=name)
    if d.type == "phone":
        return normalize_phone(text, region, field=name)
    if d.type == "single_select":
        if text not in d.options:
            raise ValidationFailed.field(name, "is not one of the options")
        return text
    if d.type == "date":
        return _date(text, name)
    if d.type == "url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
            raise ValidationFailed.field(name, "must be an http(s) URL")
    return text


def _date(text: str, name: str) -> str:
    try:
        parsed = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed.field(name, "must be a date (YYYY-MM-DD)")
    return parsed.isoformat()


def clean_values(definitions: dict[str, FieldDefinition], values: dict[str, Any], region: str) -> dict[str, Any]:
    """Validate and normalise sent values (None = clear); every bad key is listed as custom_fields/<key>."""
    out: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for key, value in values.items():
        name = f"custom_fields/{key}"
        definition = definitions.get(key)
        try:
            if definition is None:
                raise ValidationFailed.field(name, "is not a custom field of this workspace")
            out[key] = None if value is None else _coerce(definition, value, region, name)
        except DomainError as exc:
            errors += exc.details.get("errors", [{"field": name, "message": exc.message}])
    if errors:
        raise ValidationFailed(f"{errors[0]['field']}: {errors[0]['message']}", {"errors": errors})
    return out


def require_required(definitions: dict[str, FieldDefinition], values: dict[str, Any]) -> None:
    """Every required field has a value (checked on create, and when an update clears one)."""
    missing = [k for k, d in definitions.items() if d.required and values.get(k) in (None, [], "")]
    if missing:
        errors = [{"field": f"custom_fields/{k}", "message": "is required"} for k in missing]
        raise ValidationFailed(f"custom_fields/{missing[0]}: is required", {"errors": errors})
