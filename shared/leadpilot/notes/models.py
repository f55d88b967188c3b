"""Items of the notes capability (CRM table)."""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class NoteItem(CrmModel, discriminator="note"):
    """PK: WS#<ws>#NOTES  SK: NOTE#<note_id>.

    GSI1: WS#<ws>#CONTACT#<contact_id>#NOTES / NOTE#<note_id> (a contact's notes, newest first by a reverse
    Query; a contact merge moves a note by rewriting GSI1PK).
    """

    note_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    body = UnicodeAttribute()
    mentions = ListAttribute(of=UnicodeAttribute, default=list)
    author = MapAttribute(default=dict)  # type: ignore[var-annotated]
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)
