"""A workspace's own provider credentials (its Twilio account, its OpenAI key): sealed, never shown again.

Saving returns only that a credential is set and the last 4 characters of its secret. The SMS sender and the AI
client ask `workspace_secret` first and use the platform's credentials when the workspace has none.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables
from leadpilot.identity.entities import Identity
from leadpilot.integrations.config import vault_config
from leadpilot.integrations.crypto import cipher_for
from leadpilot.integrations.models import CredentialItem, integrations_pk
from leadpilot.settings import Settings

KINDS = {"twilio": "auth_token", "openai": "api_key"}  # each kind and the field whose last 4 are shown


@dataclass(frozen=True)
class CredentialStatus:
    """What the API shows of a saved credential: that it is set, and a hint."""

    set: bool
    last4: str | None
    updated_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


NOT_SET = CredentialStatus(False, None, None)


def _context(workspace_id: str, kind: str) -> str:
    return f"{workspace_id}/credential/{kind}"


def _sk(kind: str) -> str:
    return f"CRED#{kind}"


def save(settings: Settings, identity: Identity, kind: str, fields: dict[str, str]) -> CredentialStatus:
    """Seal and store the workspace's credential of this kind (replacing any before it)."""
    bind_tables(settings)
    ws = identity.workspace_id
    sealed = cipher_for(vault_config().vault_key, settings.region).seal(json.dumps(fields), _context(ws, kind))
    item = CredentialItem(integrations_pk(ws), _sk(kind), kind_name=kind, sealed=sealed,
                          hint=fields[KINDS[kind]][-4:], updated_at=now_iso(), updated_by=identity.principal_id)
    item.save()
    return CredentialStatus(True, item.hint, item.updated_at)


def remove(settings: Settings, identity: Identity, kind: str) -> None:
    """Forget the workspace's credential of this kind; the platform's is used again."""
    bind_tables(settings)
    CredentialItem(integrations_pk(identity.workspace_id), _sk(kind)).delete()


def workspace_secret(settings: Settings, workspace_id: str, kind: str) -> dict[str, str] | None:
    """The workspace's own credential of this kind, opened; None when it uses the platform's."""
    bind_tables(settings)
    try:
        item = CredentialItem.get(integrations_pk(workspace_id), _sk(kind), consistent_read=True)
    except DoesNotExist:
        return None
    opened = cipher_for(vault_config().vault_key, settings.region).open(item.sealed, _context(workspace_id, kind))
    return dict(json.loads(opened))
