"""Items of the audit log (CRM table). Entries are only ever put: no code path updates or deletes one, and they
leave only by TTL, after the workspace's retention."""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel

PLATFORM_PK = "PLATFORM#AUDITLOG"


def log_pk(workspace_id: str | None) -> str:
    """A workspace's log, or the platform's (None)."""
    return PLATFORM_PK if workspace_id is None else f"WS#{workspace_id}#AUDITLOG"


class AuditEntryItem(CrmModel, discriminator="audit_entry"):
    """PK: WS#<ws>#AUDITLOG (a workspace's log) or PLATFORM#AUDITLOG  SK: ENTRY#<entry_id> (ULID: a Query read
    backwards is newest first, and a time range is a key range). TTL: expires_at (the retention)."""

    entry_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    actor = MapAttribute(default=dict)  # type: ignore[var-annotated]  # {type, id, email?}
    actor_id = UnicodeAttribute()  # the actor's id on its own, for the `actor` filter
    subject = MapAttribute(null=True)  # type: ignore[var-annotated]  # the impersonated user, when there is one
    target = MapAttribute(null=True)  # type: ignore[var-annotated]  # {type, id, ...}
    source_ip = UnicodeAttribute(null=True)
    changes = MapAttribute(default=dict)  # type: ignore[var-annotated]  # {field: {before, after}}
    occurred_at = UnicodeAttribute()


class AuditSettingsItem(CrmModel, discriminator="audit_settings"):
    """PK: WS#<ws>#AUDITLOG  SK: SETTINGS. How long the workspace keeps its entries."""

    retention_days = NumberAttribute()
    updated_at = UnicodeAttribute()
