"""Items of the CRM table. Every partition key begins with the workspace id."""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from leadpilot.db.base import CrmModel


class ContactItem(CrmModel, discriminator="contact"):
    """PK: WS#<ws>#CONTACTS  SK: CONTACT#<contact_id> (ULID, so a Query lists oldest first)."""

    contact_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    company = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    custom_fields = MapAttribute(default=dict)  # type: ignore[var-annotated]  # {key: value}, see contacts/fields.py
    do_not_contact = BooleanAttribute(default=False)
    owner_id = UnicodeAttribute(null=True)
    last_activity_at = UnicodeAttribute(null=True)
    score = NumberAttribute(default=0)
    engagement = MapAttribute(default=dict)  # type: ignore[var-annotated]  # counters, see contacts/scoring.py
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    version = NumberAttribute(default=1)


class ContactClaimItem(CrmModel, discriminator="contact_claim"):
    """PK: WS#<ws>#EMAIL#<email> or WS#<ws>#PHONE#<e164>  SK: CLAIM.

    Written in the same transaction as the contact, so one email or phone can belong to one
    contact per workspace (a GSI is eventually consistent and cannot enforce that); also the
    strongly consistent email/phone -> contact lookup.
    """

    contact_id = UnicodeAttribute()


class ActivityItem(CrmModel, discriminator="activity"):
    """PK: WS#<ws>#CONTACT#<contact_id> (a contact's timeline) or WS#<ws>#AUDIT#<yyyy-mm-dd>
    (events about no contact)  SK: ACTIVITY#<activity_id>.

    Doubles as the transactional outbox: while its domain event is unpublished the item carries
    GSI1PK=OUTBOX / GSI1SK=<activity_id> (a sparse index the publisher drains).
    """

    activity_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    type = UnicodeAttribute()
    actor = MapAttribute()  # type: ignore[var-annotated]
    changes = MapAttribute(default=dict)  # type: ignore[var-annotated]
    event = MapAttribute()  # type: ignore[var-annotated]
    occurred_at = UnicodeAttribute()
    copied_from = UnicodeAttribute(null=True)  # set on entries a merge copied from a duplicate's timeline


class ContactStatsItem(CrmModel, discriminator="contact_stats"):
    """PK: WS#<ws>#STATS  SK: CONTACTS (total) or CONTACTS#SOURCE#<source>. Kept by the events consumer."""

    total = NumberAttribute(default=0)


class ProcessedEventItem(CrmModel, discriminator="processed_event"):
    """PK: WS#<ws>#EVENTS  SK: <consumer>#<event_id>. Makes a consumer idempotent. TTL 7 days."""

    processed_at = UnicodeAttribute()
