"""CRM-table items of sequences."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from leadpilot.db.base import CrmModel


class SequenceItem(CrmModel, discriminator="email_sequence"):
    """PK: WS#<ws>#SEQUENCES  SK: SEQ#<sequence_id>. The definition and the flow it compiles to (ADR 0010)."""

    sequence_id = UnicodeAttribute()
    name = UnicodeAttribute()
    definition = UnicodeAttribute()  # the request document, JSON
    flow_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class SequenceExitItem(CrmModel, discriminator="email_sequence_exit"):
    """PK: WS#<ws>#SEQ_EXIT#<run_id>  SK: EXIT. Why a contact left a sequence early (the first reason wins)."""

    reason = UnicodeAttribute()
    event_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
