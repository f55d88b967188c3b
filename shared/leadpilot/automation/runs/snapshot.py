"""The contact as a run sees it: the API shape plus `tag_flags` for the compiler's tag predicates."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from leadpilot.automation.flows.compiler import tag_key
from leadpilot.contacts import fields
from leadpilot.contacts import store as contacts_store
from leadpilot.contacts.entities import Contact


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load(workspace_id: str, contact_id: str) -> Contact | None:
    item = contacts_store.get_item(workspace_id, contact_id)
    return contacts_store.to_contact(item) if item is not None else None


def of(contact: Contact, field_keys: set[str] | None = None) -> dict[str, Any]:
    """The JSON snapshot of a contact (numbers as numbers, tags also as flags); pass the workspace's active
    custom field keys when snapshotting many contacts at once (else one Query reads them)."""
    keys = set(fields.active_definitions(contact.workspace_id)) if field_keys is None else field_keys
    data = _plain(contact.to_dict(keys))
    data["tag_flags"] = {tag_key(t): True for t in contact.tags}
    return dict(data)
