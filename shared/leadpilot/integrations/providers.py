"""The OAuth providers the vault knows: where to send the user, where to get tokens, which scopes to ask for."""
from __future__ import annotations

from dataclasses import dataclass, field

from leadpilot.errors import ValidationFailed
from leadpilot.integrations.config import OAuthClient, VaultConfig

GOOGLE_SCOPES = ("openid", "email", "https://www.googleapis.com/auth/calendar.events",
                 "https://www.googleapis.com/auth/calendar.readonly")
MICROSOFT_SCOPES = ("openid", "email", "offline_access", "User.Read", "Calendars.ReadWrite")
PROVIDERS = ("google", "microsoft")


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    authorize_url: str
    token_url: str
    revoke_url: str | None  # Microsoft has no token revocation endpoint: disconnecting forgets the tokens
    scopes: tuple[str, ...]
    client: OAuthClient
    extra: dict[str, str] = field(default_factory=dict)  # what makes the provider hand out a refresh token


def provider(config: VaultConfig, name: str) -> Provider:
    """The provider called `name`, with the platform's client; 422 naming `provider` if unknown or unset."""
    if name not in PROVIDERS:
        raise ValidationFailed.field("provider", f"must be one of {', '.join(PROVIDERS)}")
    client = config.client(name)
    if not client.configured:
        raise ValidationFailed.field("provider", f"{name} is not configured on this deployment")
    if name == "google":
        urls = ("https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
                "https://oauth2.googleapis.com/revoke")
        extra = {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}
        found = Provider("google", "Google Calendar", *urls, GOOGLE_SCOPES, client, extra)
    else:
        base = f"https://login.microsoftonline.com/{config.microsoft_tenant}/oauth2/v2.0"
        found = Provider("microsoft", "Microsoft 365", f"{base}/authorize", f"{base}/token", None,
                         MICROSOFT_SCOPES, client, {"prompt": "select_account"})
    if config.oauth_base_url:  # the local OAuth server stub plays every provider
        stub = f"{config.oauth_base_url}/{name}"
        found = Provider(found.name, found.label, f"{stub}/authorize", f"{stub}/token", f"{stub}/revoke",
                         found.scopes, client, found.extra)
    return found
