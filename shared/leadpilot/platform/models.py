"""CRM-table items of platform administration.

Items about one workspace live under its own partitions (`WS#<ws>#PLATFORM...`), so erasing the workspace takes
them too. Platform-wide items (settings, erasure records) live under `PLATFORM#...` and carry no `workspace_id`
attribute: erasure finds a workspace's global lookups by that attribute, and these must outlive it.
"""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class PlatformSettingItem(CrmModel, discriminator="platform_setting"):
    """PK: PLATFORM#SETTINGS  SK: CRED#<kind> (a sealed provider credential) or PLANS (default-plan overrides)."""

    sealed = UnicodeAttribute(null=True)
    last4 = UnicodeAttribute(null=True)
    plans = MapAttribute(default=dict)  # type: ignore[var-annotated]
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


class WorkspaceFlagsItem(CrmModel, discriminator="platform_flags"):
    """PK: WS#<ws>#PLATFORM  SK: FLAGS. The workspace's feature flags ({name: bool})."""

    flags = MapAttribute(default=dict)  # type: ignore[var-annotated]
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


class WorkspaceCountsItem(CrmModel, discriminator="platform_counts"):
    """PK: WS#<ws>#PLATFORM  SK: COUNTS. The platform view's counts of one workspace, as of `counted_at`
    (epoch s); recounted when older than platform.counts.FRESH_S."""

    users = NumberAttribute(default=0)
    flows = NumberAttribute(default=0)
    active_runs = NumberAttribute(default=0)
    phone_numbers = NumberAttribute(default=0)
    counted_at = NumberAttribute(default=0)


class ErasureItem(CrmModel, discriminator="platform_erasure"):
    """PK: PLATFORM#ERASURE#<ws>  SK: ERASURE. A workspace being (or having been) erased: the job doing it, kept
    in the job owner's workspace, so a repeated DELETE answers the same job (and resumes it)."""

    target_id = UnicodeAttribute()
    job_workspace_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    name = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    runs_stopped = NumberAttribute(default=0)  # done so far, moved by ADD as chunks finish
    state_machines = NumberAttribute(default=0)
    crm_items = NumberAttribute(default=0)
    identity_items = NumberAttribute(default=0)
    files = NumberAttribute(default=0)
    users = NumberAttribute(default=0)  # outside its partitions (platform.erase_outside)
    calendar_channels = NumberAttribute(default=0)
    schedules = NumberAttribute(default=0)
    email_identities = NumberAttribute(default=0)
