"""Merging a duplicate contact into a survivor.

The survivor keeps its values and fills its blanks from the duplicate; tags are united, custom values
and engagement counters combined, do_not_contact kept if either contact asked for it. In order, each step
safe to repeat: (1) the duplicate's timeline is copied onto the survivor's (same activity ids, marked
`copied_from`, so nothing is lost and a retry overwrites rather than duplicates), (2) every merge hook moves
other capabilities' records, (3) one transaction updates the survivor, deletes the duplicate and its index
items, moves the duplicate's email/phone claims to the survivor when it takes them (else releases them)
and records `contact.merged`.
"""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_iso
from leadpilot.contacts import config, merge_hooks, scoring, service, store
from leadpilot.contacts.entities import ENGAGEMENT_COUNTERS, Contact
from leadpilot.contacts.indexes import contact_ops
from leadpilot.contacts.tags import MAX_TAGS_PER_CONTACT
from leadpilot.contacts.timeline import all_entries
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.events.outbox import as_plain
from leadpilot.events.record import timeline_pk
from leadpilot.identity.entities import Identity
from leadpilot.settings import Settings

_FILLED = ("first_name", "last_name", "email", "phone", "company", "source", "owner_id")


def merged(survivor: Contact, duplicate: Contact) -> Contact:
    """The survivor after absorbing the duplicate (not yet rescored or versioned)."""
    filled = {n: getattr(survivor, n) or getattr(duplicate, n) for n in _FILLED}
    tags = survivor.tags + [t for t in duplicate.tags if t not in survivor.tags]
    if len(tags) > MAX_TAGS_PER_CONTACT:
        raise ValidationFailed.field("duplicate_id", f"together the contacts carry more than "
                                                     f"{MAX_TAGS_PER_CONTACT} tags; remove some first")
    engagement: dict[str, Any] = {k: int(survivor.engagement.get(k, 0)) + int(duplicate.engagement.get(k, 0))
                                  for k in ENGAGEMENT_COUNTERS}
    stage = survivor.engagement.get("pipeline_stage") or duplicate.engagement.get("pipeline_stage")
    if stage:
        engagement["pipeline_stage"] = stage
    activity = max(survivor.last_activity_at or "", duplicate.last_activity_at or "") or None
    return survivor.with_changes(**filled, tags=tags, custom_fields={**duplicate.custom_fields,
                                                                     **survivor.custom_fields},
                                 do_not_contact=survivor.do_not_contact or duplicate.do_not_contact,
                                 engagement=engagement, last_activity_at=activity)


def _copy_timeline(workspace_id: str, from_id: str, to_id: str) -> int:
    """Copy every timeline entry (never re-published: copies carry no outbox flag)."""
    entries = all_entries(workspace_id, from_id)
    with ActivityItem.batch_write() as batch:
        for item in entries:
            batch.save(ActivityItem(timeline_pk(workspace_id, to_id), item.SK, activity_id=item.activity_id,
                                    workspace_id=workspace_id, contact_id=to_id, type=item.type,
                                    actor=as_plain(item.actor), changes=as_plain(item.changes),
                                    event=as_plain(item.event), occurred_at=item.occurred_at,
                                    copied_from=item.copied_from or from_id))
    return len(entries)


def merge_contacts(settings: Settings, identity: Identity, survivor_id: str, duplicate_id: str) -> dict[str, Any]:
    """Merge `duplicate_id` into `survivor_id`; returns the survivor and what moved."""
    if survivor_id == duplicate_id:
        raise ValidationFailed.field("duplicate_id", "must be another contact")
    _, survivor = service.load(identity, survivor_id)
    item = store.get_item(identity.workspace_id, duplicate_id)
    if item is None:
        raise NotFound("duplicate contact not found", {"field": "duplicate_id"})
    duplicate = store.to_contact(item)
    after = scoring.rescored(merged(survivor, duplicate).with_changes(updated_at=now_iso(),
                                                                      version=survivor.version + 1))
    copied = _copy_timeline(identity.workspace_id, duplicate.id, survivor.id)
    moved = merge_hooks.run_all(settings, identity.workspace_id, duplicate.id, survivor.id)
    definitions = config.for_identity(identity).definitions
    shown, gone = service.visible(after, definitions), service.visible(duplicate, definitions)
    data = {"contact": shown.to_dict(), "duplicate": gone.to_dict(), "duplicate_id": duplicate.id,
            "timeline_entries_copied": copied, "reassigned": moved}
    ops = contact_ops(survivor, after).extend(contact_ops(duplicate, None))
    ops.events.append(service.contact_event(identity, after, "contact.merged", data))
    service.commit(settings, ops, "ContactMerged", ("duplicate_id", "these contacts carry too many tags and "
                                                                    "fields to merge in one step"))
    return {"contact": shown.to_dict(), "duplicate_id": duplicate.id, "timeline_entries_copied": copied,
            "reassigned": moved}
