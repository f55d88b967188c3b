"""Items of the integrations capability (CRM table). One partition per workspace: it holds a handful of items."""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


def integrations_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#INTEGRATIONS"


def connection_sk(provider: str, user_id: str) -> str:
    return f"OAUTH#{provider}#{user_id}"


class OAuthConnectionItem(CrmModel, discriminator="oauth_connection"):
    """PK: WS#<ws>#INTEGRATIONS  SK: OAUTH#<provider>#<user_id> (one connection per user and provider).

    Tokens are sealed (leadpilot.integrations.crypto). `version` moves on every token change; `lock_owner` and
    `lock_until` are the refresh lock, taken and released with conditional writes.
    """

    connection_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()  # connected | needs_attention
    reason = UnicodeAttribute(null=True)
    access_sealed = UnicodeAttribute()
    refresh_sealed = UnicodeAttribute(null=True)
    token_expires_at = NumberAttribute()  # epoch seconds (not `expires_at`: that is the table's TTL)
    scopes = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    version = NumberAttribute(default=1)
    lock_owner = UnicodeAttribute(null=True)
    lock_until = NumberAttribute(null=True)
    connected_at = UnicodeAttribute()
    refreshed_at = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_error_at = UnicodeAttribute(null=True)


class OAuthPendingItem(CrmModel, discriminator="oauth_pending"):
    """PK: WS#<ws>#INTEGRATIONS  SK: PENDING#<nonce>: one started connection, deleted by its callback (so a
    state is used once). Holds the sealed PKCE verifier, which never travels in a URL. TTL: expires_at."""

    provider = UnicodeAttribute()
    user_id = UnicodeAttribute()
    verifier_sealed = UnicodeAttribute()


class CredentialItem(CrmModel, discriminator="integration_credential"):
    """PK: WS#<ws>#INTEGRATIONS  SK: CRED#<kind> (twilio, openai): the workspace's own provider credentials,
    sealed as one JSON object; only `hint` (the last 4 characters) is ever shown again. `account_id` is the
    provider's public account identifier (a Twilio AccountSid), kept in clear to move its `AccountOwnerItem`."""

    kind_name = UnicodeAttribute()
    sealed = UnicodeAttribute()
    hint = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


def account_owner_pk(kind: str, account_id: str) -> str:
    return f"PROVIDER_ACCOUNT#{kind}#{account_id.lower()}"


class AccountOwnerItem(CrmModel, discriminator="integration_account_owner"):
    """PK: PROVIDER_ACCOUNT#<kind>#<account id, lower case>  SK: OWNER. Which workspace saved a provider account:
    written and removed with its `CredentialItem`, so one account belongs to one workspace. Twilio's webhooks name
    only the account (AccountSid); this is how they find whose auth token checks their signature."""

    kind_name = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
