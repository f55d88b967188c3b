"""The OAuth 2.0 vault's one entry point for other capabilities (calendar sync):

    access_token(settings, workspace_id, user_id, "google" | "microsoft") -> str

It refreshes the token before it expires under a conditional-write lock (two callers never refresh at once; the
one that loses keeps the still-valid token), and raises ReconnectNeeded when the provider refused the saved
authorization (invalid_grant: the connection is marked, its user notified, integration.needs_attention
recorded) or NotConnected (a ReconnectNeeded) when the user has no connection. Connecting is in `connect`.
"""
from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables, transaction
from leadpilot.errors import ServiceUnavailable
from leadpilot.events import outbox
from leadpilot.events.record import event_item
from leadpilot.ids import new_id
from leadpilot.integrations import oauth_http
from leadpilot.integrations.config import VaultConfig, vault_config
from leadpilot.integrations.connections import (
    NotConnected,
    ReconnectNeeded,
    cipher_of,
    context,
    open_token,
    view,
    workspace_of,
)
from leadpilot.integrations.crypto import Cipher
from leadpilot.integrations.models import OAuthConnectionItem, connection_sk, integrations_pk
from leadpilot.integrations.providers import provider
from leadpilot.notifications import service as notifications
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

__all__ = ["NotConnected", "ReconnectNeeded", "access_token", "open_token"]

REFRESH_MARGIN_S = 5 * 60  # refresh this long before expiry, so a token handed out lasts a request or a sync
LOCK_S = 30  # a refresh holds the lock at most this long (a crashed holder's lock simply expires)
WAIT_STEPS = 20  # how often a caller without a usable token re-reads while another refreshes
WAIT_STEP_S = 0.25
SYSTEM = {"type": "system", "id": "integrations-vault"}


def access_token(settings: Settings, workspace_id: str, user_id: str, provider_name: str,
                 config: VaultConfig | None = None) -> str:
    """A usable access token for the user's connection, refreshed when it is within REFRESH_MARGIN_S of expiry.

    Two callers never refresh at once: the first takes the lock with a conditional write; the others keep using
    the current token while it is still valid (the grace window), or wait for the new one.
    """
    bind_tables(settings)
    config = config or vault_config()
    cipher = cipher_of(settings, config)
    for _ in range(WAIT_STEPS):
        item = _connection(workspace_id, user_id, provider_name)
        now = int(time.time())
        if item.token_expires_at - now > REFRESH_MARGIN_S:
            return open_token(cipher, item, "access")
        if _lock(item, now):
            return _refresh(settings, config, cipher, item)
        if item.token_expires_at - now > 5:  # someone else is refreshing: the current token is still good
            return open_token(cipher, item, "access")
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
    ws = workspace_of(item)
    try:
        if item.refresh_sealed is None:
            raise oauth_http.OAuthError("invalid_grant", "no refresh token was issued", 400)
        tokens = oauth_http.refresh(found, open_token(cipher, item, "refresh"))
    except oauth_http.OAuthError as exc:
        if exc.transient:
            _release(item, held, exc.error)
            if item.token_expires_at > time.time() + 5:
                return open_token(cipher, item, "access")
            raise ServiceUnavailable(f"{found.label} could not refresh the token; try again") from exc
        _needs_attention(settings, item, found.label, held, exc)
        raise ReconnectNeeded(str(item.reason), {"field": "provider", "provider_error": exc.error}) from exc
    sealed = cipher.seal(tokens.access_token, context(ws, found.name, item.user_id, "access"))
    actions: list[Any] = [
        OAuthConnectionItem.access_sealed.set(sealed),
        OAuthConnectionItem.token_expires_at.set(int(time.time()) + tokens.expires_in),
        OAuthConnectionItem.refreshed_at.set(now_iso()), OAuthConnectionItem.version.add(1),
        OAuthConnectionItem.lock_owner.remove(), OAuthConnectionItem.lock_until.remove()]
    if tokens.refresh_token:  # Microsoft rotates refresh tokens; Google keeps the first one
        actions.append(OAuthConnectionItem.refresh_sealed.set(
            cipher.seal(tokens.refresh_token, context(ws, found.name, item.user_id, "refresh"))))
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
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        logger.warning("the refresh lock was taken over before its release")


def _needs_attention(settings: Settings, item: OAuthConnectionItem, label: str, held: Any,
                     exc: oauth_http.OAuthError) -> None:
    """Mark the connection, notify its user and publish integration.needs_attention, in one transaction."""
    ws = workspace_of(item)
    reason = f"{label} no longer accepts LeadPilot's authorization ({exc.error}): reconnect it"
    when = now_iso()
    item.status, item.reason, item.last_error, item.last_error_at = "needs_attention", reason, exc.error, when
    event = event_item(ws, SYSTEM, "integration.needs_attention", {"connection": view(item).to_dict()})
    marks: list[Any] = [
        OAuthConnectionItem.status.set("needs_attention"), OAuthConnectionItem.reason.set(reason),
        OAuthConnectionItem.last_error.set(exc.error), OAuthConnectionItem.last_error_at.set(when),
        OAuthConnectionItem.version.add(1), OAuthConnectionItem.lock_owner.remove(),
        OAuthConnectionItem.lock_until.remove()]
    try:
        with transaction(settings) as txn:
            txn.update(item, actions=marks, condition=held)
            txn.save(event)
            notifications.add_to(txn, ws, item.user_id, "integration_attention", f"Reconnect {label}", reason,
                                 "/integrations")
    except TransactWriteError as error:  # the lock was taken over: its holder records the outcome
        if not any(r is not None and r.code == "ConditionalCheckFailed" for r in error.cancellation_reasons or []):
            raise
        return
    outbox.publish_now(settings, [event])
    metrics.add_metric(name="IntegrationNeedsAttention", unit="Count", value=1)
