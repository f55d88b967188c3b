"""The OAuth 2.0 vault: connect (authorization code + PKCE + signed state), tokens sealed at rest, refresh before
expiry under a conditional-write lock, "reconnect needed" on invalid_grant, disconnect.

For other capabilities (calendar sync) the whole API is:
    access_token(settings, workspace_id, user_id, "google" | "microsoft") -> str
which refreshes when the token is near expiry and raises ReconnectNeeded (NotConnected when there is none).
"""
from __future__ import annotations

import time
import urllib.parse
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables, transaction
from leadpilot.errors import DomainError, NotFound, ServiceUnavailable, ValidationFailed
from leadpilot.events import outbox
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.integrations import oauth_http
from leadpilot.integrations.config import VaultConfig, vault_config
from leadpilot.integrations.crypto import Cipher, cipher_for
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
from leadpilot.notifications import service as notifications
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

REFRESH_MARGIN_S = 5 * 60  # refresh this long before expiry, so a token handed out lasts a request or a sync
LOCK_S = 30  # a refresh holds the lock at most this long (a crashed holder's lock simply expires)
WAIT_STEPS = 20  # how often a caller without a usable token re-reads while another refreshes
WAIT_STEP_S = 0.25
SYSTEM = {"type": "system", "id": "integrations-vault"}


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


def _view(item: OAuthConnectionItem) -> Connection:
    return Connection(item.connection_id, item.provider, item.user_id, item.status, item.reason,
                      [str(scope) for scope in item.scopes],
                      item.connected_at, item.refreshed_at, item.last_error, item.last_error_at)


def _cipher(settings: Settings, config: VaultConfig) -> Cipher:
    return cipher_for(config.vault_key, settings.region)


def _context(workspace_id: str, provider_name: str, user_id: str, what: str) -> str:
    return f"{workspace_id}/oauth/{provider_name}/{user_id}/{what}"


def _user(identity: Identity) -> str:
    if identity.principal_type != "user":
        raise ValidationFailed.field("provider", "a connection belongs to a user; an API key cannot connect one")
    return identity.principal_id


# ------------------------------------------------------------------------------------------------ connect


def start_connect(settings: Settings, config: VaultConfig, identity: Identity, provider_name: str) -> dict[str, Any]:
    """The provider's authorization URL for the caller, with PKCE (S256) and a signed state valid 10 minutes."""
    bind_tables(settings)
    user_id, found = _user(identity), provider(config, provider_name)
    if not config.redirect_url:
        raise ValidationFailed.field("provider", "no OAuth redirect URL is configured on this deployment")
    ws, nonce, verifier = identity.workspace_id, new_id(), new_verifier()
    expires = int(time.time()) + STATE_TTL_S
    sealed = _cipher(settings, config).seal(verifier, _context(ws, found.name, user_id, "verifier"))
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
    if body.get("error"):
        detail = str(body.get("error_description") or body["error"])
        raise ProviderRefused(f"{state.provider} refused the connection: {detail}",
                              {"field": "error", "provider_error": str(body["error"])})
    if not body.get("code"):
        raise ValidationFailed.field("code", "is required when there is no error")
    found, cipher = provider(config, state.provider), _cipher(settings, config)
    verifier = cipher.open(verifier_sealed, _context(state.workspace_id, found.name, state.user_id, "verifier"))
    try:
        tokens = oauth_http.exchange_code(found, body["code"], verifier, config.redirect_url)
    except oauth_http.OAuthError as exc:
        if exc.transient:
            raise ServiceUnavailable(f"{found.label} could not be reached; connect again") from exc
        raise ProviderRefused(f"{found.label} refused the code: {exc.error}",
                              {"field": "code", "provider_error": exc.error}) from exc
    item = _store(state, found, tokens, cipher)
    _publish(settings, state.workspace_id, "integration.connected", item)
    metrics.add_metric(name="IntegrationConnected", unit="Count", value=1)
    return _view(item)


def _store(state: State, found: Provider, tokens: oauth_http.Tokens, cipher: Cipher) -> OAuthConnectionItem:
    ws, user_id = state.workspace_id, state.user_id
    pk, sk = integrations_pk(ws), connection_sk(found.name, user_id)
    try:
        previous = OAuthConnectionItem.get(pk, sk, consistent_read=True)
        connection_id, version = previous.connection_id, int(previous.version) + 1
    except DoesNotExist:
        connection_id, version = new_id(), 1
    item = OAuthConnectionItem(
        pk, sk, connection_id=connection_id, provider=found.name, user_id=user_id, status="connected",
        access_sealed=cipher.seal(tokens.access_token, _context(ws, found.name, user_id, "access")),
        refresh_sealed=(cipher.seal(tokens.refresh_token, _context(ws, found.name, user_id, "refresh"))
                        if tokens.refresh_token else None),
        token_expires_at=int(time.time()) + tokens.expires_in,
        scopes=tokens.scope.split() if tokens.scope else list(found.scopes), version=version,
        connected_at=now_iso())
    item.save()
    return item


# ------------------------------------------------------------------------------------------------ tokens


def access_token(settings: Settings, workspace_id: str, user_id: str, provider_name: str,
                 config: VaultConfig | None = None) -> str:
    """A usable access token for the user's connection, refreshed when it is within REFRESH_MARGIN_S of expiry.

    Two callers never refresh at once: the first takes the lock with a conditional write; the others keep using
    the current token while it is still valid (the grace window), or wait for the new one.
    """
    bind_tables(settings)
    config = config or vault_config()
    cipher = _cipher(settings, config)
    for _ in range(WAIT_STEPS):
        item = _connection(workspace_id, user_id, provider_name)
        now = int(time.time())
        if item.token_expires_at - now > REFRESH_MARGIN_S:
            return _open(cipher, item, "access")
        if _lock(item, now):
            return _refresh(settings, config, cipher, item)
        if item.token_expires_at - now > 5:  # someone else is refreshing: the current token is still good
            return _open(cipher, item, "access")
        time.sleep(WAIT_STEP_S)
    raise ServiceUnavailable(f"the {provider_name} token is being refreshed; try again")


def _connection(workspace_id: str, user_id: str, provider_name: str) -> OAuthConnectionItem:
    try:
        item = OAuthConnectionItem.get(integrations_pk(workspace_id), connection_sk(provider_name, user_id),
                                       consistent_read=True)
    except DoesNotExist as exc:
        raise NotConnected(f"{provider_name} is not connected for this user", {"field": "provider"}) from exc
    if item.status != "connected":
        raise ReconnectNeeded(item.reason or f"reconnect {provider_name}", {"field": "provider"})
    return item


def _open(cipher: Cipher, item: OAuthConnectionItem, what: str) -> str:
    sealed = item.access_sealed if what == "access" else item.refresh_sealed
    assert sealed is not None
    ws = item.PK.split("#")[1]
    return cipher.open(sealed, _context(ws, item.provider, item.user_id, what))


def _lock(item: OAuthConnectionItem, now: int) -> bool:
    """Take the refresh lock if this version is still current and nobody holds a live lock."""
    owner = new_id()
    free = OAuthConnectionItem.lock_until.does_not_exist() | (OAuthConnectionItem.lock_until < now)
    try:
        item.update(actions=[OAuthConnectionItem.lock_owner.set(owner),
                             OAuthConnectionItem.lock_until.set(now + LOCK_S)],
                    condition=(OAuthConnectionItem.version == item.version) & free)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _refresh(settings: Settings, config: VaultConfig, cipher: Cipher, item: OAuthConnectionItem) -> str:
    """Call the token endpoint as the lock holder; store the new token and release the lock."""
    found, held = provider(config, item.provider), OAuthConnectionItem.lock_owner == item.lock_owner
    ws = item.PK.split("#")[1]
    try:
        if item.refresh_sealed is None:
            raise oauth_http.OAuthError("invalid_grant", "no refresh token was issued", 400)
        tokens = oauth_http.refresh(found, _open(cipher, item, "refresh"))
    except oauth_http.OAuthError as exc:
        if exc.transient:
            _release(item, held, exc.error)
            if item.token_expires_at > time.time() + 5:
                return _open(cipher, item, "access")
            raise ServiceUnavailable(f"{found.label} could not refresh the token; try again") from exc
        _needs_attention(settings, item, found.label, held, exc)
        raise ReconnectNeeded(str(item.reason), {"field": "provider", "provider_error": exc.error}) from exc
    actions: list[Any] = [OAuthConnectionItem.access_sealed.set(cipher.seal(tokens.access_token,
                                                                 _context(ws, found.name, item.user_id, "access"))),
               OAuthConnectionItem.token_expires_at.set(int(time.time()) + tokens.expires_in),
               OAuthConnectionItem.refreshed_at.set(now_iso()), OAuthConnectionItem.version.add(1),
               OAuthConnectionItem.lock_owner.remove(), OAuthConnectionItem.lock_until.remove()]
    if tokens.refresh_token:  # Microsoft rotates refresh tokens; Google keeps the first one
        actions.append(OAuthConnectionItem.refresh_sealed.set(
            cipher.seal(tokens.refresh_token, _context(ws, found.name, item.user_id, "refresh"))))
    try:
        item.update(actions=actions, condition=held)
    except UpdateError as exc:  # the lock expired and was taken over: our token is valid, just not stored
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    metrics.add_metric(name="OAuthTokenRefreshed", unit="Count", value=1)
    return tokens.access_token


def _release(item: OAuthConnectionItem, held: Any, error: str) -> None:
    try:
        item.update(actions=[OAuthConnectionItem.lock_owner.remove(), OAuthConnectionItem.lock_until.remove(),
                             OAuthConnectionItem.last_error.set(error),
                             OAuthConnectionItem.last_error_at.set(now_iso())], condition=held)
    except UpdateError:
        logger.warning("the refresh lock was taken over before its release")


def _needs_attention(settings: Settings, item: OAuthConnectionItem, label: str, held: Any,
                     exc: oauth_http.OAuthError) -> None:
    """Mark the connection, notify its user and publish integration.needs_attention, in one transaction."""
    ws = item.PK.split("#")[1]
    reason = f"{label} no longer accepts LeadPilot's authorization ({exc.error}): reconnect it"
    when = now_iso()
    item.status, item.reason, item.last_error, item.last_error_at = "needs_attention", reason, exc.error, when
    event = event_item(ws, SYSTEM, "integration.needs_attention", {"connection": _view(item).to_dict()})
    with transaction(settings) as txn:
        txn.update(item, actions=[OAuthConnectionItem.status.set("needs_attention"),
                                  OAuthConnectionItem.reason.set(reason), OAuthConnectionItem.last_error.set(exc.error),
                                  OAuthConnectionItem.last_error_at.set(when), OAuthConnectionItem.version.add(1),
                                  OAuthConnectionItem.lock_owner.remove(), OAuthConnectionItem.lock_until.remove()],
                   condition=held)
        txn.save(event)
        notifications.add_to(txn, ws, item.user_id, "integration_attention", f"Reconnect {label}", reason,
                             "/integrations")
    outbox.publish_now(settings, [event])
    metrics.add_metric(name="IntegrationNeedsAttention", unit="Count", value=1)


# ------------------------------------------------------------------------------------------------ read, disconnect


def connections(workspace_id: str) -> list[Connection]:
    """Every OAuth connection of the workspace (a handful: one per user and provider)."""
    items = OAuthConnectionItem.query(integrations_pk(workspace_id), OAuthConnectionItem.SK.startswith("OAUTH#"),
                                      consistent_read=True)
    return [_view(i) for i in items]


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
    revoke = item.refresh_sealed and _open(_cipher(settings, config), item, "refresh")
    item.delete()
    if revoke:
        oauth_http.revoke(found, revoke)
    _publish(settings, ws, "integration.disconnected", item, actor=identity.actor())


def _publish(settings: Settings, ws: str, event_type: str, item: OAuthConnectionItem,
             actor: dict[str, str] | None = None) -> None:
    event = event_item(ws, actor or {"type": "user", "id": item.user_id}, event_type,
                       {"connection": _view(item).to_dict()})
    with transaction(settings) as txn:
        txn.save(event)
    outbox.publish_now(settings, [event])
