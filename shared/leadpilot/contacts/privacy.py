"""GDPR-style export and erasure of one contact."""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_iso
from leadpilot.contacts import fields, scoring, service
from leadpilot.contacts.indexes import contact_ops
from leadpilot.contacts.timeline import all_entries, entry
from leadpilot.db.crm_models import ActivityItem
from leadpilot.events.outbox import as_plain
from leadpilot.identity.entities import Identity
from leadpilot.settings import Settings

ERASED = {"erased": True}


def export_contact(identity: Identity, contact_id: str) -> dict[str, Any]:
    """Everything held on the contact: fields, every stored custom value (also of deleted field definitions),
    tags, score and its explanation, engagement, and the whole timeline (oldest first)."""
    _, contact = service.load(identity, contact_id)
    definitions = fields.active_definitions(identity.workspace_id)
    retired = {k: v for k, v in contact.custom_fields.items() if k not in definitions}
    return {"contact": service.visible(contact, definitions).to_dict(), "custom_fields_of_deleted_definitions": retired,
            "score": scoring.contact_score(identity, contact),
            "timeline": [entry(i) for i in all_entries(identity.workspace_id, contact_id)],
            "exported_at": now_iso()}


def _scrub(items: list[ActivityItem]) -> int:
    """Keep each entry's id, type, actor and time; drop what it said about the person."""
    with ActivityItem.batch_write() as batch:
        for item in items:
            item.event = {**as_plain(item.event), "data": ERASED, "changes": {}}
            item.changes = {}
            batch.save(item)
    return len(items)


def erase_contact(settings: Settings, identity: Identity, contact_id: str) -> dict[str, Any]:
    """Delete the contact, its claims and index items, scrub its timeline, and record `contact.erased`.
    The timeline is scrubbed first, so a failure part-way is completed by calling again."""
    _, contact = service.load(identity, contact_id)
    scrubbed = _scrub(all_entries(identity.workspace_id, contact_id))
    data = {"contact_id": contact.id, "source": contact.source, "timeline_entries_scrubbed": scrubbed,
            "erased_at": now_iso()}
    ops = contact_ops(contact, None)
    ops.events.append(service.contact_event(identity, contact, "contact.erased", data))
    service.commit(settings, ops, "ContactErased", ("contact_id", "too many tags to erase in one step"))
    return data
