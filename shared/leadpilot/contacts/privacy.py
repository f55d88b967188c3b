"""GDPR-style export and erasure of one contact."""
from __future__ import annotations

from typing import Any

from leadpilot.audit.log import record
from leadpilot.clock import now_iso
from leadpilot.contacts import config, scoring, service
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
    record(identity.workspace_id, "contact.exported", {"type": "contact", "id": contact_id})
    definitions = config.for_identity(identity).definitions
    retired = {k: v for k, v in contact.custom_fields.items() if k not in definitions}
    return {"contact": service.visible(contact, definitions).to_dict(), "custom_fields_of_deleted_definitions": retired,
            "score": scoring.contact_score(identity, contact),
            "timeline": [entry(i) for i in all_entries(identity.workspace_id, contact_id)],
            **_held_elsewhere(identity, contact_id), "exported_at": now_iso()}


def _pages(fetch: Any) -> list[Any]:
    out, cursor = [], None
    while True:
        items, cursor = fetch(cursor)
        out += items
        if cursor is None:
            return out


def _held_elsewhere(identity: Identity, contact_id: str) -> dict[str, Any]:
    """The contact's deals, tasks and notes (other capabilities; imported here, not at cold start)."""
    from leadpilot.notes import service as notes
    from leadpilot.pipelines import listing
    from leadpilot.tasks import store as tasks

    return {"deals": _pages(lambda c: listing.list_deals(identity, {"contact_id": contact_id}, 200, c)),
            "tasks": [tasks.to_task(i).to_dict() for i in tasks.by_contact(identity.workspace_id, contact_id)],
            "notes": _pages(lambda c: notes.list_notes(identity, contact_id, 200, c))}


def _erase_elsewhere(settings: Settings, identity: Identity, contact_id: str) -> dict[str, int]:
    """Delete the notes and tasks about the contact. Deals stay: they are the business's own records
    (contracts, revenue), and hold no personal field but the link to the erased contact."""
    from leadpilot.notes import service as notes
    from leadpilot.tasks import service as task_service
    from leadpilot.tasks import store as tasks

    held = _held_elsewhere(identity, contact_id)
    for note in held["notes"]:
        notes.delete_note(settings, identity, note["id"])
    for item in tasks.by_contact(identity.workspace_id, contact_id):
        task_service.delete_task(settings, identity, item.task_id)
    return {"notes_deleted": len(held["notes"]), "tasks_deleted": len(held["tasks"]),
            "deals_kept": len(held["deals"])}


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
    elsewhere = _erase_elsewhere(settings, identity, contact_id)
    scrubbed = _scrub(all_entries(identity.workspace_id, contact_id))
    data = {"contact_id": contact.id, "source": contact.source, "timeline_entries_scrubbed": scrubbed,
            **elsewhere, "erased_at": now_iso()}
    ops = contact_ops(contact, None)
    ops.events.append(service.contact_event(identity, contact, "contact.erased", data))
    service.commit(settings, ops, "ContactErased", ("contact_id", "too many tags to erase in one step"))
    record(identity.workspace_id, "contact.erased", {"type": "contact", "id": contact_id},
           {"timeline_entries_scrubbed": {"before": None, "after": scrubbed}})
    return data
