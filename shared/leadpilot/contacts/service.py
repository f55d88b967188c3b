"""Contact use cases: create, get, update, delete, list. Tags, fields, search, merge, privacy, timeline and
scoring live in their own modules of this package."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.clock import now_iso
from leadpilot.contacts import config, fields, scoring, store
from leadpilot.contacts.entities import FIELDS, Contact
from leadpilot.contacts.indexes import contact_ops, tag_events
from leadpilot.contacts.normalize import normalize_fields, require_reachable_or_named
from leadpilot.contacts.store import Ops
from leadpilot.contacts.timeline import list_activity
from leadpilot.db.crm_models import ActivityItem, ContactItem
from leadpilot.errors import DomainError, NotFound, ValidationFailed
from leadpilot.events.record import event_item
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity
from leadpilot.ids import is_valid_id, new_id
from leadpilot.observability import metrics
from leadpilot.settings import Settings

_TOO_MANY_TAG_CHANGES = ("tags", "too many tag changes in one request; change at most 25 tags at a time")


def visible(contact: Contact, definitions: dict[str, fields.FieldDefinition]) -> Contact:
    """The contact as callers see it: custom fields limited to the active definitions."""
    return contact.with_changes(custom_fields={k: v for k, v in contact.custom_fields.items() if k in definitions})


def contact_event(identity: Identity, contact: Contact, event_type: str, data: dict[str, Any],
                  changes: dict[str, Any] | None = None) -> ActivityItem:
    """A domain event about a contact, on its timeline."""
    return event_item(identity.workspace_id, identity.actor(), event_type, data, changes, contact_id=contact.id)


def commit(settings: Settings, ops: Ops, metric: str, too_big: tuple[str, str] = _TOO_MANY_TAG_CHANGES) -> None:
    store.commit(settings, ops, too_big)
    metrics.add_metric(name=metric, unit="Count", value=1)


def _require_owner(identity: Identity, owner_id: str | None) -> None:
    if owner_id is not None and (not is_valid_id(owner_id)
                                 or identity_store.get_membership_item(identity.workspace_id, owner_id) is None):
        raise ValidationFailed.field("owner_id", "is not a member of this workspace")


def load(identity: Identity, contact_id: str) -> tuple[ContactItem, Contact]:
    """The stored contact (every custom value, active or not) or 404."""
    item = store.get_item(identity.workspace_id, contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    return item, store.to_contact(item)


def load_with_config(identity: Identity, contact_id: str) -> tuple[Contact, config.ContactConfig]:
    """The stored contact or 404, and the workspace's contact configuration (checked current by the caller's
    own read)."""
    _, contact = load(identity, contact_id)
    return contact, config.for_identity(identity)


def create_contact(settings: Settings, identity: Identity, body: dict[str, Any]) -> Contact:
    """Create a contact; its email and phone must be unused in the workspace."""
    current = config.for_identity(identity)
    contact, ops = new_contact_ops(identity, body, current.definitions, current.scoring)
    commit(settings, ops, "ContactCreated", ("tags", "too many tags for one contact"))
    return contact


def create_contacts(settings: Settings, identity: Identity, bodies: list[dict[str, Any]],
                    ids: list[str] | None = None) -> list[Contact | DomainError]:
    """Create many contacts (an import), several per transaction; each result is the contact or why it
    failed. A group whose transaction fails is retried one contact at a time, so one bad row never
    takes others down and nothing is half-written. `ids` names the new contacts (an import's retried chunk
    recognises the rows its earlier attempt created); new ids by default."""
    current = config.for_identity(identity)
    results: list[Contact | DomainError] = []
    built: list[tuple[int, Contact, Ops]] = []
    for n, body in enumerate(bodies):
        try:
            contact, ops = new_contact_ops(identity, body, current.definitions, current.scoring,
                                           contact_id=ids[n] if ids else None)
        except DomainError as exc:
            results.append(exc)
            continue
        results.append(contact)
        built.append((n, contact, ops))
    group: list[tuple[int, Contact, Ops]] = []
    size = 0
    for entry in built:
        if group and size + entry[2].size() > store.MAX_TRANSACTION_ITEMS:
            _commit_group(settings, group, results)
            group, size = [], 0
        group.append(entry)
        size += entry[2].size()
    _commit_group(settings, group, results)
    return results


def _commit_group(settings: Settings, group: list[tuple[int, Contact, Ops]],
                  results: list[Contact | DomainError]) -> None:
    if not group:
        return
    if len(group) > 1:
        merged = Ops(group[0][2].workspace_id)
        for _, _, ops in group:
            merged.extend(ops)
        try:
            store.commit(settings, merged)
        except (DomainError, TransactWriteError):
            pass  # someone in the group conflicts: find out who, one by one
        else:
            metrics.add_metric(name="ContactCreated", unit="Count", value=len(group))
            return
    for n, _, ops in group:
        try:
            commit(settings, ops, "ContactCreated", ("tags", "too many tags for one contact"))
        except DomainError as exc:
            results[n] = exc


def new_contact_ops(identity: Identity, body: dict[str, Any], definitions: dict[str, fields.FieldDefinition],
                    scoring_config: dict[str, Any] | None = None, *, contact_id: str | None = None
                    ) -> tuple[Contact, Ops]:
    """A new contact from a request body, and every item its creation writes (not yet committed)."""
    region = identity.workspace.default_region
    values = normalize_fields(body, region)
    custom = {k: v for k, v in fields.clean_values(definitions, body.get("custom_fields") or {}, region).items()
              if v is not None}
    fields.require_required(definitions, custom)
    require_reachable_or_named(values)
    _require_owner(identity, values.get("owner_id"))
    now = now_iso()
    contact = scoring.rescored(Contact(id=contact_id or new_id(), workspace_id=identity.workspace_id,
                                       first_name=values.get("first_name"), last_name=values.get("last_name"),
                                       email=values.get("email"), phone=values.get("phone"),
                                       company=values.get("company"), source=values.get("source"),
                                       owner_id=values.get("owner_id"), tags=values.get("tags", []),
                                       custom_fields=custom,
                                       do_not_contact=values.get("do_not_contact", False), created_at=now,
                                       updated_at=now, created_by=identity.principal_id), scoring_config)
    ops = contact_ops(None, contact)
    ops.events.append(contact_event(identity, contact, "contact.created", contact.to_dict()))
    return contact, ops


def get_contact(identity: Identity, contact_id: str) -> Contact:
    contact, current = load_with_config(identity, contact_id)
    return visible(contact, current.definitions)


def _custom_after(before: Contact, sent: dict[str, Any], definitions: dict[str, fields.FieldDefinition],
                  region: str) -> dict[str, Any]:
    cleaned = fields.clean_values(definitions, sent, region)
    fields.require_required({k: d for k, d in definitions.items() if k in cleaned}, cleaned)
    after = {**before.custom_fields, **cleaned}
    return {k: v for k, v in after.items() if v is not None}


def _diff(before: Contact, after_fields: dict[str, Any]) -> dict[str, Any]:
    changes = {k: {"from": getattr(before, k), "to": v} for k, v in after_fields.items() if getattr(before, k) != v}
    if "custom_fields" in changes:
        old, new = before.custom_fields, after_fields["custom_fields"]
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        changes["custom_fields"] = {"from": {k: old.get(k) for k in keys}, "to": {k: new.get(k) for k in keys}}
    return changes


def update_contact(settings: Settings, identity: Identity, contact_id: str, body: dict[str, Any]) -> Contact:
    """Partial update: only the fields sent change; null clears a field (or one custom field)."""
    before, current = load_with_config(identity, contact_id)
    region = identity.workspace.default_region
    definitions = current.definitions
    after_fields = {**before.fields(), **normalize_fields(body, region)}
    if "custom_fields" in body:
        after_fields["custom_fields"] = _custom_after(before, body["custom_fields"] or {}, definitions, region)
    changes = _diff(before, after_fields)
    if not changes:
        return visible(before, definitions)
    require_reachable_or_named(after_fields)
    if "owner_id" in changes:
        _require_owner(identity, after_fields["owner_id"])
    after = scoring.rescored(before.with_changes(**after_fields, updated_at=now_iso(), version=before.version + 1),
                             current.scoring)
    shown = visible(after, definitions)
    ops = contact_ops(before, after)
    ops.events.append(contact_event(identity, after, "contact.updated", shown.to_dict(), changes))
    ops.events += tag_events(before, after, identity.actor())
    commit(settings, ops, "ContactUpdated")
    return shown


def delete_contact(settings: Settings, identity: Identity, contact_id: str) -> None:
    """Delete a contact and release its email and phone; its activity stays as the audit trail."""
    contact, current = load_with_config(identity, contact_id)
    shown = visible(contact, current.definitions)
    ops = contact_ops(contact, None)
    ops.events.append(contact_event(identity, contact, "contact.deleted", shown.to_dict()))
    commit(settings, ops, "ContactDeleted")


def list_contacts(identity: Identity, limit: int, cursor: str | None) -> tuple[list[Contact], str | None]:
    """Contacts oldest first, a page at a time."""
    contacts, next_cursor = store.page_contacts(identity.workspace_id, limit, store.decode_cursor(cursor))
    definitions = config.for_identity(identity).definitions
    return [visible(c, definitions) for c in contacts], next_cursor


__all__ = ["FIELDS", "create_contact", "delete_contact", "get_contact", "list_activity", "list_contacts",
           "update_contact"]
