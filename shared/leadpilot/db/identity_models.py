"""Items of the identity table. Key shapes are stated on each class.

Workspace-owned items are partitioned by `WS#<workspace_id>`. Users, email claims, sessions,
API keys and invites are looked up from a credential *before* the workspace is known, so they
live under their own global key and carry `workspace_id` as an attribute; no workspace-scoped
query ever returns them.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from leadpilot.db.base import IdentityModel


class WorkspaceItem(IdentityModel, discriminator="workspace"):
    """PK: WS#<ws>  SK: WORKSPACE  GSI1: WORKSPACES / <created_at>#<ws> (platform listing)."""

    workspace_id = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    default_region = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # active | suspended | deleting
    suspended_reason = UnicodeAttribute(null=True)
    suspended_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class MembershipItem(IdentityModel, discriminator="membership"):
    """PK: WS#<ws>  SK: MEMBER#<user_id>  GSI1: USER#<user_id> / WS#<ws> (a user's workspaces)."""

    workspace_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    joined_at = UnicodeAttribute()
    granted_by = UnicodeAttribute(null=True)  # the agency workspace whose admin opened this sub-account (ADR 0029)


class UserItem(IdentityModel, discriminator="user"):
    """PK: USER#<user_id>  SK: PROFILE  GSI1 (platform administrators only): PLATFORM_ADMINS / <user_id>."""

    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    platform_admin = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()


class EmailClaimItem(IdentityModel, discriminator="email_claim"):
    """PK: EMAIL#<lowercased email>  SK: USER. Makes a login email unique across the platform."""

    user_id = UnicodeAttribute()


class SessionItem(IdentityModel, discriminator="session"):
    """PK: SESSION#<session_id>  SK: SESSION. One login; holds the current refresh-token hash.

    The previous hash is kept to detect reuse of a rotated refresh token (then the session dies).
    TTL: expires_at.
    """

    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    previous_hash = UnicodeAttribute(null=True)
    platform_admin = BooleanAttribute(default=False)
    revoked = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    impersonator_id = UnicodeAttribute(null=True)  # set on a platform admin's impersonation session: the admin
    impersonator_email = UnicodeAttribute(null=True)


class ApiKeyItem(IdentityModel, discriminator="api_key"):
    """PK: APIKEY#<key_id>  SK: APIKEY  GSI1: WS#<ws>#APIKEYS / <key_id>."""

    key_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    name = UnicodeAttribute()
    scopes = UnicodeSetAttribute()
    secret_hash = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute(null=True)
    last_used_epoch = NumberAttribute(default=0)
    revoked_at = UnicodeAttribute(null=True)


class InviteItem(IdentityModel, discriminator="invite"):
    """PK: INVITE#<invite_id>  SK: INVITE  GSI1: WS#<ws>#INVITES / <invite_id>. TTL: expires_at."""

    invite_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    invited_by = UnicodeAttribute()
    created_at = UnicodeAttribute()


class LoginThrottleItem(IdentityModel, discriminator="login_throttle"):
    """PK: LOGIN#<lowercased email>  SK: THROTTLE. Failed attempts in the current window. TTL."""

    failures = NumberAttribute(default=0)
    window_started = NumberAttribute()
    recent_ips = ListAttribute(of=UnicodeAttribute, default=list)


class ConfigVersionsItem(IdentityModel, discriminator="config_versions"):
    """PK: WS#<ws>  SK: CONFIG_VERSIONS. Change counters of the workspace configurations that processes cache
    (`contacts`: custom-field definitions and scoring rules), each raised in the transaction of its change. The
    caller's own read (session, membership, workspace) fetches it too, so a request checks its cached copies
    without a call of its own."""

    contacts = NumberAttribute(default=0)


class RateWindowItem(IdentityModel, discriminator="rate_window"):
    """PK: WS#<workspace_id>#RATE#<WORKSPACE | KEY#<key_id>>  SK: <window start, epoch s>. Requests admitted in
    one fixed window (ADR 0014); expires with the window (TTL)."""

    requests = NumberAttribute(default=0)


class SupportAccessItem(IdentityModel, discriminator="support_access"):
    """PK: WS#<ws>  SK: SUPPORT#<impersonation_id> (the session id; ULID, so newest last). A platform admin's
    impersonation session in the workspace, kept for its owners to see (no TTL: the record is the proof)."""

    impersonation_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    user_email = UnicodeAttribute()
    admin_id = UnicodeAttribute()
    admin_email = UnicodeAttribute()
    reason = UnicodeAttribute()
    started_at = UnicodeAttribute()
    ends_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)
