"""A workspace's own provider credentials (its Twilio account, its OpenAI key): sealed, never shown again.

Saving returns only that a credential is set and the last 4 characters of its secret. The SMS sender and the AI
client ask `workspace_secret` first and use the platform's credentials when the workspace has none. A Twilio
account belongs to one workspace (`account_owner`): its webhooks name only the account, and are checked with the
auth token of the workspace that saved it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.audit.log import changed, record
from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables, transaction
from leadpilot.errors import Conflict
from leadpilot.identity.entities import Identity
from leadpilot.integrations.config import vault_config
from leadpilot.integrations.crypto import cipher_for
from leadpilot.integrations.models import AccountOwnerItem, CredentialItem, account_owner_pk, integrations_pk
from leadpilot.settings import Settings

KINDS = {"twilio": "auth_token", "openai": "api_key"}  # each kind and the field whose last 4 are shown
ACCOUNTS = {"twilio": "account_sid"}  # kinds whose webhooks name the account, and the field that holds it


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
    """Seal and store the workspace's credential of this kind (replacing any before it); 409 naming the account
    field when another workspace already saved the same provider account."""
    bind_tables(settings)
    ws = identity.workspace_id
    old = _item(ws, kind)
    sealed = cipher_for(vault_config().vault_key, settings.region).seal(json.dumps(fields), _context(ws, kind))
    account = fields[ACCOUNTS[kind]] if kind in ACCOUNTS else None
    item = CredentialItem(integrations_pk(ws), _sk(kind), kind_name=kind, sealed=sealed, account_id=account,
                          hint=fields[KINDS[kind]][-4:], updated_at=now_iso(), updated_by=identity.principal_id)
    try:
        with transaction(settings) as txn:
            txn.save(item, condition=_unchanged(old))
            if account:
                txn.save(AccountOwnerItem(account_owner_pk(kind, account), "OWNER", kind_name=kind, workspace_id=ws),
                         condition=_ours(ws))
            if old is not None and old.account_id and old.account_id.lower() != (account or "").lower():
                txn.delete(_owner_item(kind, old.account_id), condition=_ours(ws))
    except TransactWriteError as exc:
        conflict = _conflict(settings, ws, kind, account, exc)
        if conflict is None:
            raise
        raise conflict from exc
    record(ws, "integration.credentials_saved", {"type": "credentials", "id": kind},
           changed({"account_id": old.account_id if old else None}, {"account_id": account}))
    return CredentialStatus(True, item.hint, item.updated_at)


def remove(settings: Settings, identity: Identity, kind: str) -> None:
    """Forget the workspace's credential of this kind (and its account's owner item); the platform's is used
    again."""
    bind_tables(settings)
    ws = identity.workspace_id
    old = _item(ws, kind)
    if old is None:
        return
    try:
        with transaction(settings) as txn:
            txn.delete(old, condition=_unchanged(old))
            if old.account_id:
                txn.delete(_owner_item(kind, old.account_id), condition=_ours(ws))
    except TransactWriteError as exc:
        conflict = _conflict(settings, ws, kind, None, exc)
        if conflict is None:
            raise
        raise conflict from exc
    record(ws, "integration.credentials_removed", {"type": "credentials", "id": kind},
           {"account_id": {"before": old.account_id, "after": None}})


def account_owner(settings: Settings, kind: str, account_id: str) -> str | None:
    """The workspace that saved this provider account (a Twilio AccountSid) as its own, if one did."""
    bind_tables(settings)
    try:
        return str(AccountOwnerItem.get(account_owner_pk(kind, account_id), "OWNER", consistent_read=True).workspace_id)
    except DoesNotExist:
        return None


def _item(workspace_id: str, kind: str) -> CredentialItem | None:
    try:
        return CredentialItem.get(integrations_pk(workspace_id), _sk(kind), consistent_read=True)
    except DoesNotExist:
        return None


def _owner_item(kind: str, account_id: str) -> AccountOwnerItem:
    return AccountOwnerItem(account_owner_pk(kind, account_id), "OWNER")


def _unchanged(old: CredentialItem | None) -> Any:
    """The credential is still what this request read (each seal is unique), so owner items never go stale."""
    return CredentialItem.PK.does_not_exist() if old is None else CredentialItem.sealed == old.sealed


def _ours(workspace_id: str) -> Any:
    return AccountOwnerItem.PK.does_not_exist() | (AccountOwnerItem.workspace_id == workspace_id)


def _conflict(settings: Settings, workspace_id: str, kind: str, account: str | None,
              exc: TransactWriteError) -> Conflict | None:
    """What a refused write means: the account is another workspace's, or a concurrent change won (read again
    rather than trust the order of cancellation reasons, which emulators do not all keep)."""
    if not any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
        return None
    if account and account_owner(settings, kind, account) not in (None, workspace_id):
        return Conflict("another workspace already uses this account: give each workspace its own account "
                        "or subaccount", {"field": ACCOUNTS[kind]})
    return Conflict("the credentials were changed meanwhile; load them and try again", {"field": KINDS[kind]})


def workspace_secret(settings: Settings, workspace_id: str, kind: str) -> dict[str, str] | None:
    """The workspace's own credential of this kind, opened; None when it uses the platform's."""
    bind_tables(settings)
    item = _item(workspace_id, kind)
    if item is None:
        return None
    opened = cipher_for(vault_config().vault_key, settings.region).open(item.sealed, _context(workspace_id, kind))
    return dict(json.loads(opened))
