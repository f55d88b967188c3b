"""The integrations catalogue: every integration with its status for the calling workspace.

An entry's status is connected, needs_attention (with a reason) or not_connected. Capabilities that own an
integration's state (outgoing webhooks, Zapier) report it through a status function named in STATUS_FUNCTIONS
("module:function", taking (settings, identity) and returning a Status or a dict of its fields). It is loaded
on first use, so this package imports no such capability, and while the module does not exist the entry reads
as not connected. `register_status` sets one in-process (tests).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from leadpilot.db.base import CrmModel
from leadpilot.identity.entities import Identity
from leadpilot.integrations import credentials
from leadpilot.integrations.config import VaultConfig
from leadpilot.integrations.connections import view
from leadpilot.integrations.models import CredentialItem, OAuthConnectionItem, integrations_pk
from leadpilot.settings import Settings


@dataclass(frozen=True)
class Status:
    status: str  # connected | needs_attention | not_connected
    reason: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


StatusFunction = Callable[[Settings, Identity], "Status | Mapping[str, Any]"]
STATUS_FUNCTIONS: dict[str, str] = {
    "webhooks": "leadpilot.webhooks.integration_status:webhooks_status",
    "zapier": "leadpilot.webhooks.integration_status:zapier_status",
}
_hooks: dict[str, StatusFunction] = {}

# key, name, category, how it connects (oauth | credentials | settings | hook), description
ENTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("twilio", "Twilio", "messaging", "credentials", "Send and receive texts from your own Twilio account."),
    ("email_domain", "Email sending domain", "email", "settings", "Send email from your own verified address."),
    ("google", "Google Calendar", "calendar", "oauth", "Sync bookings and busy times with Google Calendar."),
    ("microsoft", "Microsoft 365", "calendar", "oauth", "Sync bookings and busy times with Outlook."),
    ("openai", "OpenAI", "ai", "credentials", "Use your own OpenAI key for AI flows and steps."),
    ("zapier", "Zapier", "automation", "hook", "Trigger Zaps from LeadPilot events with REST hooks."),
    ("webhooks", "Outgoing webhooks", "automation", "hook", "Send signed events to your own endpoints."),
)


def register_status(key: str, function: StatusFunction) -> None:
    """Report `key`'s status with this function (instead of the one STATUS_FUNCTIONS names)."""
    _hooks[key] = function


def status_function(key: str) -> StatusFunction | None:
    """The function reporting `key`'s status: registered, or named in STATUS_FUNCTIONS and importable."""
    if key not in _hooks and key in STATUS_FUNCTIONS:
        module, _, name = STATUS_FUNCTIONS[key].partition(":")
        try:
            _hooks[key] = getattr(importlib.import_module(module), name)
        except (ModuleNotFoundError, AttributeError):
            return None  # not deployed yet: the entry reads as not connected
    return _hooks.get(key)


def _reported(function: StatusFunction, settings: Settings, identity: Identity) -> Status:
    answer = function(settings, identity)
    return answer if isinstance(answer, Status) else Status(**dict(answer))


@dataclass(frozen=True)
class _Stored:
    """What the workspace's integrations partition holds, read with one Query."""

    credentials: dict[str, CredentialItem]
    connections: list[OAuthConnectionItem]


def _stored(workspace_id: str) -> _Stored:
    items = list(CrmModel.query(integrations_pk(workspace_id), consistent_read=True))
    return _Stored({i.kind_name: i for i in items if isinstance(i, CredentialItem)},
                   [i for i in items if isinstance(i, OAuthConnectionItem)])


def _credential(stored: _Stored, kind: str) -> Status:
    item = stored.credentials.get(kind)
    if item is None:
        return Status("not_connected", details={"source": "platform", "credential": asdict(credentials.NOT_SET)})
    saved = credentials.CredentialStatus(True, item.hint, item.updated_at)
    return Status("connected", details={"source": "workspace", "credential": saved.to_dict()})


def _oauth(stored: _Stored, identity: Identity, provider: str, config: VaultConfig) -> Status:
    mine = [view(c) for c in stored.connections if c.provider == provider and c.user_id == identity.principal_id]
    details: dict[str, Any] = {"available": config.client(provider).configured, "connection": None}
    if not mine:
        return Status("not_connected", details=details)
    connection = mine[0]
    details["connection"] = connection.to_dict()
    return Status(connection.status, connection.reason, connection.last_error, connection.last_error_at, details)


def _email(workspace_id: str) -> Status:
    from leadpilot.email.senders import get_sender  # only the catalogue needs the email capability

    sender = get_sender(workspace_id)
    if sender is None:
        return Status("not_connected", details={"manage": "/settings/email"})
    if sender.status != "verified":
        return Status("needs_attention", f"{sender.identity} is not verified yet: add the DNS records SES asked for",
                      details={"manage": "/settings/email", "identity": sender.identity})
    return Status("connected", details={"manage": "/settings/email", "identity": sender.identity})


def _status(settings: Settings, identity: Identity, config: VaultConfig, stored: _Stored, key: str) -> Status:
    function = status_function(key)
    if function is not None:
        return _reported(function, settings, identity)
    if key in credentials.KINDS:
        return _credential(stored, key)
    if key in ("google", "microsoft"):
        return _oauth(stored, identity, key, config)
    if key == "email_domain":
        return _email(identity.workspace_id)
    return Status("not_connected", details={"manage": None})


def catalogue(settings: Settings, config: VaultConfig, identity: Identity) -> list[dict[str, Any]]:
    """Every integration with the caller's workspace's status (OAuth ones: the caller's own connection)."""
    entries, stored = [], _stored(identity.workspace_id)
    for key, name, category, auth, description in ENTRIES:
        status = _status(settings, identity, config, stored, key)
        entries.append({"key": key, "name": name, "category": category, "auth": auth, "description": description,
                        **asdict(status)})
    return entries
