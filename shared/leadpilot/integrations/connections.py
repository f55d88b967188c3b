"""A user's OAuth connection as the API shows it, the vault's errors, and what connect and refresh both use."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from leadpilot.errors import DomainError, ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.integrations.config import VaultConfig
from leadpilot.integrations.crypto import Cipher, cipher_for
from leadpilot.integrations.models import OAuthConnectionItem, integrations_pk
from leadpilot.settings import Settings


class ReconnectNeeded(DomainError):
    """The user must connect this provider again (its authorization was revoked or has expired)."""

    status = 409
    code = "reconnect_needed"


class NotConnected(ReconnectNeeded):
    """The user never connected this provider (or disconnected it)."""

    code = "not_connected"


class ProviderRefused(DomainError):
    """The provider refused the authorization (the user denied it, or the code was bad): nothing is stored."""

    code = "provider_error"


@dataclass(frozen=True)
class Connection:
    """A user's connection to a provider as the API shows it (never a token)."""

    id: str
    provider: str
    user_id: str
    status: str
    reason: str | None
    scopes: list[str]
    connected_at: str
    refreshed_at: str | None
    last_error: str | None
    last_error_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def view(item: OAuthConnectionItem) -> Connection:
    return Connection(item.connection_id, item.provider, item.user_id, item.status, item.reason,
                      [str(scope) for scope in item.scopes],
                      item.connected_at, item.refreshed_at, item.last_error, item.last_error_at)


def cipher_of(settings: Settings, config: VaultConfig) -> Cipher:
    return cipher_for(config.vault_key, settings.region)


def context(workspace_id: str, provider_name: str, user_id: str, what: str) -> str:
    return f"{workspace_id}/oauth/{provider_name}/{user_id}/{what}"


def user_of(identity: Identity) -> str:
    if identity.principal_type != "user":
        raise ValidationFailed.field("provider", "a connection belongs to a user; an API key cannot connect one")
    return identity.principal_id



def connections(workspace_id: str) -> list[Connection]:
    """Every OAuth connection of the workspace (a handful: one per user and provider)."""
    items = OAuthConnectionItem.query(integrations_pk(workspace_id), OAuthConnectionItem.SK.startswith("OAUTH#"),
                                      consistent_read=True)
    return [view(i) for i in items]


def find_connection(workspace_id: str, connection_id: str) -> Connection | None:
    """One OAuth connection of the workspace by its id (the partition holds a handful)."""
    items = OAuthConnectionItem.query(integrations_pk(workspace_id), OAuthConnectionItem.SK.startswith("OAUTH#"),
                                      filter_condition=OAuthConnectionItem.connection_id == connection_id,
                                      consistent_read=True)
    item = next(iter(items), None)
    return view(item) if item is not None else None


def open_token(cipher: Cipher, item: OAuthConnectionItem, what: str) -> str:
    """A sealed token of the connection (access or refresh), opened."""
    sealed = item.access_sealed if what == "access" else item.refresh_sealed
    assert sealed is not None
    return cipher.open(sealed, context(workspace_of(item), item.provider, item.user_id, what))


def workspace_of(item: OAuthConnectionItem) -> str:
    """The workspace a connection item belongs to (its partition: WS#<ws>#INTEGRATIONS)."""
    return str(item.PK).split("#")[1]
