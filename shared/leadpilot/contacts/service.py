"""Contact use cases: create, get, update, delete, list, activity."""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_iso
from leadpilot.contacts import store
from leadpilot.contacts.entities import FIELDS, Contact
from leadpilot.contacts.normalize import normalize_fields, require_reachable_or_named
from leadpilot.db.crm_models import ActivityItem, ContactClaimItem, ContactItem
from leadpilot.errors import NotFound
from leadpilot.events.outbox import as_plain, publish_now
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings

CLAIMED = ("email", "phone")


def _activity(identity: Identity, contact_id: str, event_type: str, data: dict[str, Any],
              changes: dict[str, Any] | None = None) -> ActivityItem:
    return event_item(identity.workspace_id, identity.actor(), event_type, data, changes, contact_id=contact_id)


def _claim(identity: Identity, field: str, value: str, contact_id: str) -> ContactClaimItem:
    return ContactClaimItem(store.claim_key(identity.workspace_id, field, value), "CLAIM", contact_id=contact_id)


def _commit(settings: Settings, activity: ActivityItem, metric: str, **change: Any) -> None:
    store.write(settings, activity=activity, **change)
    metrics.add_metric(name=metric, unit="Count", value=1)
    publish_now(settings, [activity])


def create_contact(settings: Settings, identity: Identity, body: dict[str, Any]) -> Contact:
    """Create a contact; its email and phone must be unused in the workspace."""
    fields = normalize_fields(body, identity.workspace.default_region)
    require_reachable_or_named(fields)
    contact_id, now = new_id(), now_iso()
    item = ContactItem(store.contacts_pk(identity.workspace_id), f"CONTACT#{contact_id}", contact_id=contact_id,
                       workspace_id=identity.workspace_id, created_at=now, updated_at=now,
                       created_by=identity.principal_id, version=1, **fields)
    contact = store.to_contact(item)
    claims = [(f, _claim(identity, f, fields[f], contact_id)) for f in CLAIMED if fields.get(f)]
    activity = _activity(identity, contact_id, "contact.created", contact.to_dict())
    _commit(settings, activity, "ContactCreated", save=item, claims_add=claims)
    return contact


def get_contact(identity: Identity, contact_id: str) -> Contact:
    item = store.get_item(identity.workspace_id, contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    return store.to_contact(item)


def update_contact(settings: Settings, identity: Identity, contact_id: str, body: dict[str, Any]) -> Contact:
    """Partial update: only the fields sent change; null clears a field."""
    item = store.get_item(identity.workspace_id, contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    before = store.to_contact(item)
    fields = normalize_fields(body, identity.workspace.default_region)
    changes = {k: {"from": getattr(before, k), "to": v} for k, v in fields.items() if getattr(before, k) != v}
    if not changes:
        return before
    after_fields = {**before.fields(), **fields}
    require_reachable_or_named(after_fields)
    now = now_iso()
    actions = [ContactItem.updated_at.set(now), ContactItem.version.add(1)]
    for name in changes:
        attr = getattr(ContactItem, name)
        clear = after_fields[name] is None
        actions.append(attr.remove() if clear else attr.set(after_fields[name]))
    claims_add = [(f, _claim(identity, f, changes[f]["to"], contact_id)) for f in CLAIMED
                  if f in changes and changes[f]["to"]]
    claims_remove = [_claim(identity, f, changes[f]["from"], contact_id) for f in CLAIMED
                     if f in changes and changes[f]["from"]]
    after = Contact(**{**before.__dict__, **after_fields, "updated_at": now, "version": before.version + 1})
    activity = _activity(identity, contact_id, "contact.updated", after.to_dict(), changes)
    _commit(settings, activity, "ContactUpdated", claims_add=claims_add, claims_remove=claims_remove,
            update=(item, actions, ContactItem.version == before.version))
    return after


def delete_contact(settings: Settings, identity: Identity, contact_id: str) -> None:
    """Delete a contact and release its email and phone; its activity stays as the audit trail."""
    item = store.get_item(identity.workspace_id, contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    contact = store.to_contact(item)
    claims = [_claim(identity, f, getattr(contact, f), contact_id) for f in CLAIMED if getattr(contact, f)]
    activity = _activity(identity, contact_id, "contact.deleted", contact.to_dict())
    _commit(settings, activity, "ContactDeleted", delete=item, claims_remove=claims)


def list_contacts(identity: Identity, limit: int, cursor: str | None) -> tuple[list[Contact], str | None]:
    """Contacts oldest first, a page at a time."""
    items, next_cursor = store.page(ContactItem, store.contacts_pk(identity.workspace_id), "CONTACT#", limit,
                                    store.decode_cursor(cursor))
    return [store.to_contact(i) for i in items], next_cursor


def list_activity(identity: Identity, contact_id: str, limit: int, cursor: str | None
                  ) -> tuple[list[dict[str, Any]], str | None]:
    """A contact's activity, newest first. Kept after deletion, so it answers for deleted contacts too."""
    items, next_cursor = store.page(ActivityItem, f"WS#{identity.workspace_id}#CONTACT#{contact_id}", "ACTIVITY#",
                                    limit, store.decode_cursor(cursor), newest_first=True)
    if not items and cursor is None and store.get_item(identity.workspace_id, contact_id) is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    return [{"id": i.activity_id, "type": i.type, "actor": as_plain(i.actor), "changes": as_plain(i.changes),
             "occurred_at": i.occurred_at} for i in items], next_cursor


__all__ = ["FIELDS", "create_contact", "delete_contact", "get_contact", "list_activity", "list_contacts",
           "update_contact"]
