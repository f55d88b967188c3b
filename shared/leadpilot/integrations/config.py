"""The vault's configuration, read once: the encryption key, the OAuth clients and where providers live."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.errors import ConfigurationError

CALLBACK_PATH = "/app/integrations/callback"  # the dashboard screen the provider sends the browser back to


@dataclass(frozen=True)
class OAuthClient:
    """The platform's registered application at one provider."""

    client_id: str
    client_secret: str

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


@dataclass(frozen=True)
class VaultConfig:
    vault_key: str  # "kms:<key id or alias>" on AWS, "local:<path of a key file>" on the local cloud
    oauth_base_url: str  # "" means each provider's own endpoints; else a stub serving /<provider>/authorize...
    redirect_url: str  # where providers send the browser back (the dashboard's callback screen)
    google: OAuthClient
    microsoft: OAuthClient
    microsoft_tenant: str = "common"

    def client(self, provider: str) -> OAuthClient:
        return self.google if provider == "google" else self.microsoft


def load_vault_config(env: dict[str, str] | None = None) -> VaultConfig:
    """Build the configuration from an environment mapping; a malformed key spec fails loudly."""
    env = dict(os.environ if env is None else env)
    key = env.get("VAULT_KEY", "").strip()
    if key and not key.startswith(("kms:", "local:")):
        raise ConfigurationError("VAULT_KEY must be kms:<key id or alias> or local:<key file>")
    origin = env.get("DASHBOARD_ORIGIN", "").strip().rstrip("/")
    redirect = env.get("OAUTH_REDIRECT_URL", "").strip() or (origin + CALLBACK_PATH if origin else "")
    return VaultConfig(
        vault_key=key, oauth_base_url=env.get("OAUTH_BASE_URL", "").strip().rstrip("/"), redirect_url=redirect,
        google=OAuthClient(env.get("GOOGLE_OAUTH_CLIENT_ID", "").strip(),
                           env.get("GOOGLE_OAUTH_CLIENT_SECRET", "").strip()),
        microsoft=OAuthClient(env.get("MICROSOFT_OAUTH_CLIENT_ID", "").strip(),
                              env.get("MICROSOFT_OAUTH_CLIENT_SECRET", "").strip()),
        microsoft_tenant=env.get("MICROSOFT_OAUTH_TENANT", "").strip() or "common")


@lru_cache(maxsize=1)
def vault_config() -> VaultConfig:
    """The process-wide vault configuration, read at first use."""
    return load_vault_config()
