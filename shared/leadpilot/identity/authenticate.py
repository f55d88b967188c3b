"""Turning a presented credential into a verified Identity (the only source of a workspace id)."""
from __future__ import annotations

from contextlib import suppress
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.identity_models import ApiKeyItem, SessionItem
from leadpilot.errors import Forbidden, Unauthorized
from leadpilot.identity import store, suspension
from leadpilot.identity.access_tokens import decode_access_token
from leadpilot.identity.entities import SCOPES, Identity
from leadpilot.identity.secrets import same_hash, split_opaque
from leadpilot.settings import Settings

API_KEY_PREFIX = "lpk"
_LAST_USED_GRANULARITY_S = 60
LIVE = ("active", suspension.SUSPENDED)  # a suspended workspace's credentials are 403 with the reason, not 401


def from_authorization(settings: Settings, authorization: str | None, api_key_header: str | None) -> Identity:
    """Verify `Authorization: Bearer <jwt | api key>` or `X-Api-Key: <api key>`."""
    if api_key_header:
        return from_api_key(api_key_header.strip())
    if not authorization:
        raise Unauthorized("authentication required: send Authorization: Bearer <token>",
                           {"reason": "missing"})
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'", {"reason": "malformed"})
    token = token.strip()
    if token.startswith(API_KEY_PREFIX + "_"):
        return from_api_key(token)
    return from_access_token(settings, token)


def from_access_token(settings: Settings, token: str) -> Identity:
    """A user's identity: a valid JWT whose session is live and whose membership still exists."""
    claims = decode_access_token(settings, token)
    session, membership, workspace, versions = store.caller_items(claims["sid"], claims["ws"], claims["sub"])
    if session is None or session.revoked or session.user_id != claims["sub"] or session.workspace_id != claims["ws"]:
        raise Unauthorized("session has ended; log in again", {"reason": "revoked"})
    if membership is None or workspace is None or workspace.status not in LIVE:
        raise Unauthorized("you are no longer a member of this workspace", {"reason": "no_membership"})
    suspension.check_item(workspace)
    impersonator = _impersonator(session, claims)
    return Identity(workspace=store.to_workspace(workspace), principal_type="user",
                    principal_id=claims["sub"], role=membership.role, scopes=frozenset(SCOPES),
                    session_id=claims["sid"], platform_admin=bool(session.platform_admin) and impersonator is None,
                    email=membership.email, impersonator=impersonator,
                    contact_config_version=int(versions.contacts))


def _impersonator(session: SessionItem, claims: dict[str, Any]) -> dict[str, str] | None:
    """The platform admin acting as the user ({id, email}), when the session is an impersonation: its token must
    name that admin (`act`), and it ends at its deadline even before the TTL removes it."""
    act = claims.get("act")
    acting = act.get("sub") if isinstance(act, dict) else None
    if acting != session.impersonator_id:
        raise Unauthorized("access token is invalid", {"reason": "invalid"})
    if session.impersonator_id is None:
        return None
    if (session.expires_at or 0) <= now_epoch():
        raise Unauthorized("the support session has ended", {"reason": "expired"})
    return {"id": session.impersonator_id, "email": session.impersonator_email or ""}


def from_api_key(token: str) -> Identity:
    """An integration's identity from a workspace API key (scoped, revocable)."""
    parsed = split_opaque(API_KEY_PREFIX, token)
    if parsed is None:
        raise Unauthorized("API key is invalid", {"reason": "invalid"})
    key_id, presented = parsed
    key = store.get_api_key_item(key_id)
    if key is None or key.revoked_at is not None or not same_hash(presented, key.secret_hash):
        raise Unauthorized("API key is invalid or revoked", {"reason": "invalid"})
    workspace, versions = store.workspace_and_versions(key.workspace_id)
    if workspace is None or workspace.status not in LIVE:
        raise Unauthorized("API key is invalid or revoked", {"reason": "invalid"})
    suspension.check_item(workspace)
    _touch(key)
    return Identity(workspace=store.to_workspace(workspace), principal_type="api_key", principal_id=key_id,
                    role=None, scopes=frozenset(key.scopes), contact_config_version=int(versions.contacts))


def _touch(key: ApiKeyItem) -> None:
    """Record last use at most once a minute, so a busy integration is not a write per call."""
    now = now_epoch()
    if now - (key.last_used_epoch or 0) < _LAST_USED_GRANULARITY_S:
        return
    with suppress(UpdateError):  # a concurrent request already recorded this minute
        key.update(actions=[ApiKeyItem.last_used_epoch.set(now), ApiKeyItem.last_used_at.set(now_iso())],
                   condition=ApiKeyItem.last_used_epoch < now - _LAST_USED_GRANULARITY_S)


def require_scope(identity: Identity, scope: str) -> None:
    """API keys carry scopes; a read-only key cannot write."""
    if scope not in identity.scopes:
        raise Forbidden(f"this credential lacks the '{scope}' scope", {"required_scope": scope})


def require_role(identity: Identity, *roles: str) -> None:
    """Only users with one of these roles (API keys never manage the workspace)."""
    if identity.principal_type != "user" or identity.role not in roles:
        raise Forbidden(f"requires role {' or '.join(roles)}", {"required_roles": list(roles)})
