"""Contact merge support: move every deal of one contact to another."""
from __future__ import annotations

from dataclasses import replace

from leadpilot.clock import now_iso
from leadpilot.contacts import store as contacts
from leadpilot.db.base import CrmModel, bind_tables
from leadpilot.db.crm_models import ContactItem
from leadpilot.errors import Conflict, ValidationFailed
from leadpilot.pipelines import store
from leadpilot.pipelines.models import DealItem
from leadpilot.pipelines.moves import deal_event, record_deal
from leadpilot.pipelines.writes import Writes
from leadpilot.settings import Settings

MERGE_ACTOR = {"type": "system", "id": "contact-merge"}
_CHUNK = 25  # deal + card + event per deal: 75 items, under DynamoDB's 100 per transaction
_RETRIES = 3


def reassign_contact(settings: Settings, workspace_id: str, from_contact_id: str, to_contact_id: str) -> int:
    """Move every deal of `from_contact_id` to `to_contact_id`; returns how many moved (0 when run again).

    Each chunk is one transaction conditioned on each deal's version and on the target contact
    existing; deal.updated (changes: contact_id) lands on the new contact's timeline.
    """
    bind_tables(settings)
    if from_contact_id == to_contact_id:
        return 0
    # GSI1 is eventually consistent: it only nominates deals; each is re-read consistently below.
    ids = [i.deal_id for i in CrmModel.gsi1.query(store.contact_deals_pk(workspace_id, from_contact_id))
           if isinstance(i, DealItem)]
    moved = 0
    for start in range(0, len(ids), _CHUNK):
        moved += _reassign_chunk(settings, workspace_id, ids[start:start + _CHUNK], from_contact_id, to_contact_id)
    return moved


def _reassign_chunk(settings: Settings, ws: str, ids: list[str], from_id: str, to_id: str) -> int:
    for attempt in range(_RETRIES):
        keys = [(store.deals_pk(ws), f"DEAL#{i}") for i in ids]
        deals = [store.to_deal(i) for i in DealItem.batch_get(keys, consistent_read=True)]
        w, now, count = Writes(), now_iso(), 0
        w.check(ContactItem, contacts.contacts_pk(ws), f"CONTACT#{to_id}", ContactItem.PK.exists(),
                lambda: ValidationFailed.field("to_contact_id", "is not a contact of this workspace"))
        for deal in (d for d in deals if d.contact_id == from_id):
            after = replace(deal, contact_id=to_id, updated_at=now, version=deal.version + 1)
            record_deal(w, deal, after)
            deal_event(w, MERGE_ACTOR, "deal.updated", after, "DealUpdated",
                       {"contact_id": {"from": from_id, "to": to_id}})
            count += 1
        if not count:
            return 0
        try:
            w.commit(settings)
            return count
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
    return 0
