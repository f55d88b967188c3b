"""Workspace API keys for integrations: shown once, stored hashed, scoped, revocable."""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.api.cursors import decode_cursor, gsi_page
from leadpilot.audit.log import record_in
from leadpilot.clock import now_iso
from leadpilot.db.base import IdentityModel, transaction
from leadpilot.db.identity_models import ApiKeyItem
from leadpilot.errors import NotFound
from leadpilot.identity import store
from leadpilot.identity.authenticate import API_KEY_PREFIX
from leadpilot.identity.entities import Identity
from leadpilot.identity.secrets import new_opaque
from leadpilot.ids import new_id
from leadpilot.settings import Settings


def _key_dict(item: ApiKeyItem) -> dict[str, Any]:
    return {"id": item.key_id, "name": item.name, "scopes": sorted(item.scopes),
            "prefix": f"{API_KEY_PREFIX}_{item.key_id}", "created_by": item.created_by,
            "created_at": item.created_at, "last_used_at": item.last_used_at, "revoked_at": item.revoked_at}


def create_api_key(settings: Settings, identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """A new key; the secret is in this response only. The key and its audit entry are one transaction."""
    key_id = new_id()
    token, secret_hash = new_opaque(API_KEY_PREFIX, key_id)
    scopes = set(body.get("scopes") or ["read"])
    if "write" in scopes:
        scopes.add("read")
    item = ApiKeyItem(f"APIKEY#{key_id}", "APIKEY", key_id=key_id, workspace_id=identity.workspace_id,
                      name=body["name"].strip(), scopes=scopes, secret_hash=secret_hash,
                      created_by=identity.principal_id, created_at=now_iso(),
                      GSI1PK=f"WS#{identity.workspace_id}#APIKEYS", GSI1SK=key_id)
    with transaction(settings) as txn:
        txn.save(item, condition=ApiKeyItem.PK.does_not_exist())
        record_in(txn, identity.workspace_id, "api_key.created", _target(item),
                  {"name": {"before": None, "after": item.name}, "scopes": {"before": None, "after": sorted(scopes)}})
    return {**_key_dict(item), "key": token}


def _target(item: ApiKeyItem) -> dict[str, str]:
    return {"type": "api_key", "id": item.key_id, "name": item.name}


def list_api_keys(identity: Identity, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the workspace's API keys (revoked ones too), by id (oldest first)."""
    ws = identity.workspace_id
    items, next_cursor = gsi_page(IdentityModel.gsi1, f"WS#{ws}#APIKEYS", limit, decode_cursor(cursor),
                                  lambda key_id: (f"APIKEY#{key_id}", "APIKEY"),
                                  keep=lambda i: isinstance(i, ApiKeyItem) and i.workspace_id == ws)
    return [_key_dict(i) for i in items], next_cursor


def revoke_api_key(settings: Settings, identity: Identity, key_id: str) -> None:
    """Revoke at once; the record stays so the audit trail keeps it. The revocation and its audit entry are one
    transaction, conditional on the key not being revoked yet: revoked twice at once, it is recorded once."""
    item = store.get_api_key_item(key_id)
    if item is None or item.workspace_id != identity.workspace_id:
        raise NotFound("no such API key in this workspace", {"field": "key_id"})
    if item.revoked_at is not None:
        return
    revoked_at = now_iso()
    # Revoked meanwhile (the condition fails): that revocation has its own entry, this one writes nothing
    with suppress(TransactWriteError), transaction(settings) as txn:
        txn.update(item, actions=[ApiKeyItem.revoked_at.set(revoked_at)],
                   condition=ApiKeyItem.PK.exists() & ApiKeyItem.revoked_at.does_not_exist())
        record_in(txn, identity.workspace_id, "api_key.revoked", _target(item),
                  {"revoked_at": {"before": None, "after": revoked_at}})
