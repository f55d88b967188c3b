"""CRM-table items of the contacts capability beyond the contact itself (see db/crm_models.py)."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class ContactIndexItem(CrmModel, discriminator="contact_index"):
    """A derived lookup entry, written in the same transaction as its contact:

    PK: WS#<ws>#IDX#<name|email|phone|company>  SK: <folded value>#<contact_id>  (prefix search)
    PK: WS#<ws>#SORT#<updated_at|last_activity_at|score|name>  SK: <sortable value>#<contact_id>
    PK: WS#<ws>#TAG#<tag>  SK: CONTACT#<contact_id>  (tag -> contacts, oldest first)
    """

    contact_id = UnicodeAttribute()


class TagItem(CrmModel, discriminator="contact_tag"):
    """PK: WS#<ws>#TAGS  SK: TAG#<tag>. How many contacts carry the tag (ADD in the contact's transaction)."""

    tag = UnicodeAttribute()
    total = NumberAttribute(default=0)


class FieldDefinitionItem(CrmModel, discriminator="contact_field"):
    """PK: WS#<ws>#CONTACT_FIELDS  SK: FIELD#<key>. Deleted definitions stay as tombstones (status=deleted)."""

    key = UnicodeAttribute()
    label = UnicodeAttribute()
    type = UnicodeAttribute()
    options = ListAttribute(of=UnicodeAttribute, default=list)
    required = BooleanAttribute(default=False)
    status = UnicodeAttribute(default="active")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class SegmentItem(CrmModel, discriminator="contact_segment"):
    """PK: WS#<ws>#SEGMENTS  SK: SEGMENT#<segment_id>. A saved, dynamic contact filter."""

    segment_id = UnicodeAttribute()
    name = UnicodeAttribute()
    filter = MapAttribute(default=dict)  # type: ignore[var-annotated]
    sort = UnicodeAttribute(default="-created_at")
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ScoringRulesItem(CrmModel, discriminator="contact_scoring"):
    """PK: WS#<ws>#SETTINGS  SK: CONTACT_SCORING. The workspace's lead-scoring rules and signal weights."""

    rules = ListAttribute(default=list)  # type: ignore[var-annotated]
    signals = MapAttribute(default=dict)  # type: ignore[var-annotated]
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class ContactConfigVersionItem(CrmModel, discriminator="contact_config_version"):
    """PK: WS#<ws>#SETTINGS  SK: CONTACT_CONFIG_VERSION. No longer written: the version of a workspace's contact
    configuration is the identity table's ConfigVersionsItem (read with the caller). Kept so that items written
    before still load."""

    version = NumberAttribute(default=0)
