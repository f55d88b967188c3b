"""Connecting a provider: the authorization URL (PKCE S256, a signed state bound to the workspace, the user and the
provider, used once), the callback's code exchange with the tokens sealed at rest, and disconnecting."""
from __future__ import annotations

import time
import urllib.parse
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist

from leadpilot.audit.log import record
from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables, transaction
from leadpilot.errors import NotFound, ServiceUnavailable, ValidationFailed
from leadpilot.events import outbox
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.integrations import oauth_http
from leadpilot.integrations.config import VaultConfig
from leadpilot.integrations.connections import (
    Connection,
    ProviderRefused,
    cipher_of,
    context,
    open_token,
    user_of,
    view,
)
from leadpilot.integrations.crypto import Cipher
from leadpilot.integrations.models import OAuthConnectionItem, OAuthPendingItem, connection_sk, integrations_pk
from leadpilot.integrations.providers import Provider, provider
from leadpilot.integrations.state import (
    STATE_TTL_S,
    InvalidState,
    State,
    challenge,
    new_verifier,
    sign_state,
    verify_state,
)
from leadpilot.observability import metrics
from leadpilot.settings import Settings


def start_connect(settings: Settings, config: VaultConfig, identity: Identity, provider_name: str) -> dict[str, Any]:
    """The provider's authorization URL for the caller, with PKCE (S256) and a signed state valid 10 minutes."""
    bind_tables(settings)
    user_id, found = user_of(identity), provider(config, provider_name)
    if not config.redirect_url:
        raise ValidationFailed.field("provider", "no OAuth redirect URL is configured on this deployment")
    ws, nonce, verifier = identity.workspace_id, new_id(), new_verifier()
    expires = int(time.time()) + STATE_TTL_S
    sealed = cipher_of(settings, config).seal(verifier, context(ws, found.name, user_id, "verifier"))
    OAuthPendingItem(integrations_pk(ws), f"PENDING#{nonce}", provider=found.name, user_id=user_id,
                     verifier_sealed=sealed, expires_at=expires).save()
    state = sign_state(settings.jwt_secret, State(ws, user_id, found.name, nonce, expires))
    query = {"response_type": "code", "client_id": found.client.client_id, "redirect_uri": config.redirect_url,
             "scope": " ".join(found.scopes), "state": state, "code_challenge": challenge(verifier),
             "code_challenge_method": "S256", **found.extra}
    return {"provider": found.name, "authorization_url": f"{found.authorize_url}?{urllib.parse.urlencode(query)}",
            "state": state, "expires_at": expires}


def _claim(settings: Settings, identity: Identity, token: str) -> tuple[State, str]:
    """The verified state's pending connection, deleted (one use); its verifier sealed."""
    state = verify_state(settings.jwt_secret, token, int(time.time()))
    if state.workspace_id != identity.workspace_id or state.user_id != identity.principal_id:
        raise InvalidState("it was issued to someone else")
    item = OAuthPendingItem(integrations_pk(state.workspace_id), f"PENDING#{state.nonce}")
    try:
        item.refresh(consistent_read=True)
        item.delete(condition=OAuthPendingItem.PK.exists())
    except (DoesNotExist, DeleteError) as exc:
        raise InvalidState("it was used already") from exc
    return state, item.verifier_sealed


def complete_connect(settings: Settings, config: VaultConfig, identity: Identity, body: dict[str, Any]) -> Connection:
    """The provider sent the user back: check the state, exchange the code, seal and store the tokens."""
    bind_tables(settings)
    state, verifier_sealed = _claim(settings, identity, body["state"])
    found, cipher = provider(config, state.provider), cipher_of(settings, config)
    if body.get("error"):
        detail = str(body.get("error_description") or body["error"])
        raise ProviderRefused(f"{found.label} refused the connection: {detail}",
                              {"field": "error", "provider_error": str(body["error"])})
    if not body.get("code"):
        raise ValidationFailed.field("code", "is required when there is no error")
    verifier = cipher.open(verifier_sealed, context(state.workspace_id, found.name, state.user_id, "verifier"))
    try:
        tokens = oauth_http.exchange_code(found, body["code"], verifier, config.redirect_url)
    except oauth_http.OAuthError as exc:
        if exc.transient:
            raise ServiceUnavailable(f"{found.label} could not be reached; connect again") from exc
        raise ProviderRefused(f"{found.label} refused the code: {exc.error}",
                              {"field": "code", "provider_error": exc.error}) from exc
    item = _store(settings, state, found, tokens, cipher)
    record(state.workspace_id, "integration.connected", {"type": "integration", "id": item.connection_id,
                                                         "provider": found.name})
    metrics.add_metric(name="IntegrationConnected", unit="Count", value=1)
    return view(item)


def _store(settings: Settings, state: State, found: Provider, tokens: oauth_http.Tokens,
           cipher: Cipher) -> OAuthConnectionItem:
    """Save the connection (a reconnect keeps its id) with integration.connected, in one transaction."""
    ws, user_id = state.workspace_id, state.user_id
    pk, sk = integrations_pk(ws), connection_sk(found.name, user_id)
    try:
        previous = OAuthConnectionItem.get(pk, sk, consistent_read=True)
        connection_id, version = previous.connection_id, int(previous.version) + 1
    except DoesNotExist:
        connection_id, version = new_id(), 1
    item = OAuthConnectionItem(
        pk, sk, connection_id=connection_id, provider=found.name, user_id=user_id, status="connected",
        access_sealed=cipher.seal(tokens.access_token, context(ws, found.name, user_id, "access")),
        refresh_sealed=(cipher.seal(tokens.refresh_token, context(ws, found.name, user_id, "refresh"))
                        if tokens.refresh_token else None),
        token_expires_at=int(time.time()) + tokens.expires_in,
        scopes=tokens.scope.split() if tokens.scope else list(found.scopes), version=version,
        connected_at=now_iso())
    event = event_item(ws, {"type": "user", "id": user_id}, "integration.connected",
                       {"connection": view(item).to_dict()})
    with transaction(settings) as txn:
        txn.save(item)
        txn.save(event)
    outbox.publish_now(settings, [event])
    return item


def disconnect(settings: Settings, config: VaultConfig, identity: Identity, connection_id: str) -> None:
    """Revoke the tokens at the provider (best effort) and forget them; the caller's own, or any for admins."""
    bind_tables(settings)
    ws = identity.workspace_id
    items = OAuthConnectionItem.query(integrations_pk(ws), OAuthConnectionItem.SK.startswith("OAUTH#"),
                                      filter_condition=OAuthConnectionItem.connection_id == connection_id,
                                      consistent_read=True)
    item = next(iter(items), None)
    mine = item is not None and item.user_id == identity.principal_id
    if item is None or not (mine or identity.role in ("owner", "admin")):
        raise NotFound("connection not found", {"field": "connection_id"})
    found = provider(config, item.provider)
    revoke = item.refresh_sealed and open_token(cipher_of(settings, config), item, "refresh")
    event = event_item(ws, identity.actor(), "integration.disconnected", {"connection": view(item).to_dict()})
    with transaction(settings) as txn:
        txn.delete(item)
        txn.save(event)
    outbox.publish_now(settings, [event])
    record(ws, "integration.disconnected", {"type": "integration", "id": item.connection_id, "provider": found.name})
    if revoke:
        oauth_http.revoke(found, revoke)
