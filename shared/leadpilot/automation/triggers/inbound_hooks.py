"""Inbound webhooks: a flow triggered by `webhook.received` gets its own secret URL (`POST /hooks/<token>`).

Another system (a form, a store, Zapier) posts JSON there. The token in the URL is the credential (160 bits;
only its SHA-256 is indexed, so a table dump reveals no usable URL). When the trigger sets
`require_signature`, the request must also carry `X-LeadPilot-Signature: t=<unix>,v1=<HMAC-SHA256 of
"t.body">` made with the hook's signing secret (5 minutes' tolerance). The payload names the contact by
`email` or `phone` (top level or under `contact`); an unknown person becomes a contact. The request is
recorded as a `webhook.received` event on that contact's timeline, which starts the hook's flow (and only
it). A sender's `Idempotency-Key` header makes a retried delivery a no-op for 24 hours.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from leadpilot.automation.runs.drafts import flows_pk
from leadpilot.automation.runs.models import FlowItem
from leadpilot.clock import now_epoch, now_iso
from leadpilot.contact_points import normalize_email, normalize_phone
from leadpilot.contacts import service as contacts
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import CrmModel, transaction
from leadpilot.db.crm_models import ContactClaimItem
from leadpilot.errors import DomainError, Forbidden, InvalidJson, NotFound, ServiceUnavailable, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity
from leadpilot.messages.signatures import WEBHOOK_HEADER, verify_webhook
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.untrusted import MAX_DEPTH, loads

MAX_BODY_BYTES = 64 * 1024
# The payload is stored inside the event's map (event.data.payload); DynamoDB nests 32 levels at most.
PAYLOAD_MAX_DEPTH = MAX_DEPTH - 8
DEDUPE_S = 24 * 3600
_IDEMPOTENCY_KEY_MAX = 200


class HookItem(CrmModel, discriminator="automation_inbound_hook"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: HOOK. The flow's hook: its URL token and signing secret (shown to admins)."""

    flow_id = UnicodeAttribute()
    token = UnicodeAttribute()
    signing_secret = UnicodeAttribute()
    created_at = UnicodeAttribute()


class HookRouteItem(CrmModel, discriminator="automation_inbound_hook_route"):
    """PK: HOOK#<sha256 of the token>  SK: HOOK. Finds the workspace and flow from the URL, before either is known."""

    workspace_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()


class HookDeliveryItem(CrmModel, discriminator="automation_inbound_hook_delivery"):
    """PK: WS#<ws>#HOOK_DELIVERY#<flow_id>  SK: KEY#<idempotency key>. A delivery already accepted (TTL 24 h)."""

    event_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


@dataclass(frozen=True)
class HookIdentity(Identity):
    """The sender of an inbound webhook: what it creates is attributed to the hook, not to a person."""

    flow_id: str = ""

    def actor(self) -> dict[str, str]:
        return {"type": "system", "id": f"webhook:{self.flow_id}"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _flow_item(workspace_id: str, flow_id: str) -> FlowItem:
    try:
        return FlowItem.get(flows_pk(workspace_id), f"FLOW#{flow_id}")
    except DoesNotExist as exc:
        raise NotFound("flow not found", {"field": "flow_id"}) from exc


def ensure_hook(settings: Settings, workspace_id: str, flow_id: str) -> HookItem:
    """The flow's hook, created on first publish of a webhook-triggered flow (the URL stays across versions)."""
    try:
        return HookItem.get(f"WS#{workspace_id}#FLOW#{flow_id}", "HOOK")
    except DoesNotExist:
        return _new_hook(settings, workspace_id, flow_id)


def _new_hook(settings: Settings, workspace_id: str, flow_id: str, old: HookItem | None = None) -> HookItem:
    token, secret = secrets.token_urlsafe(24), f"whsec_{secrets.token_urlsafe(32)}"
    hook = HookItem(f"WS#{workspace_id}#FLOW#{flow_id}", "HOOK", flow_id=flow_id, token=token,
                    signing_secret=secret, created_at=now_iso())
    route = HookRouteItem(f"HOOK#{_digest(token)}", "HOOK", workspace_id=workspace_id, flow_id=flow_id)
    with transaction(settings) as txn:
        txn.save(hook)
        txn.save(route)
        if old is not None:
            txn.delete(HookRouteItem(f"HOOK#{_digest(old.token)}", "HOOK"))
    return hook


def describe(identity: Identity, flow_id: str, path_of: Any) -> dict[str, Any]:
    """GET /flows/{id}/webhook: the URL to give the sender, and the signing secret."""
    item = _flow_item(identity.workspace_id, flow_id)
    trigger = json.loads(item.published_trigger or "{}")
    try:
        hook = HookItem.get(f"WS#{identity.workspace_id}#FLOW#{flow_id}", "HOOK")
    except DoesNotExist as exc:
        raise NotFound("this flow has no inbound webhook: publish it with the webhook.received trigger",
                       {"field": "flow_id"}) from exc
    return {"flow_id": flow_id, "url": path_of(f"/hooks/{hook.token}"), "signing_secret": hook.signing_secret,
            "signature_header": WEBHOOK_HEADER, "require_signature": bool(trigger.get("require_signature")),
            "active": item.status == "published" and trigger.get("event") == "webhook.received",
            "created_at": hook.created_at}


def rotate(settings: Settings, identity: Identity, flow_id: str, path_of: Any) -> dict[str, Any]:
    """A new URL and secret; the old URL stops working at once."""
    _flow_item(identity.workspace_id, flow_id)
    try:
        old = HookItem.get(f"WS#{identity.workspace_id}#FLOW#{flow_id}", "HOOK")
    except DoesNotExist as exc:
        raise NotFound("this flow has no inbound webhook", {"field": "flow_id"}) from exc
    _new_hook(settings, identity.workspace_id, flow_id, old)
    return describe(identity, flow_id, path_of)


def _contact_points(payload: dict[str, Any]) -> tuple[str | None, str | None, dict[str, Any]]:
    nested = payload.get("contact")
    source = {**payload, **(nested if isinstance(nested, dict) else {})}
    email, phone = source.get("email"), source.get("phone")
    if email is not None and not isinstance(email, str):
        raise ValidationFailed.field("email", "must be a string")
    if phone is not None and not isinstance(phone, str):
        raise ValidationFailed.field("phone", "must be a string")
    if not email and not phone:
        raise ValidationFailed.field("email", "the payload needs an email or a phone to identify the contact")
    return email or None, phone or None, source


def _claimed(workspace_id: str, field: str, value: str) -> str | None:
    try:
        return str(ContactClaimItem.get(contacts_store.claim_key(workspace_id, field, value), "CLAIM").contact_id)
    except DoesNotExist:
        return None


def receive(settings: Settings, token: str, raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """POST /hooks/{token}: verify, find or create the contact, record webhook.received (starts the flow)."""
    if len(token) > 100:
        raise NotFound("no such webhook")
    try:
        route = HookRouteItem.get(f"HOOK#{_digest(token)}", "HOOK")
    except DoesNotExist as exc:
        raise NotFound("no such webhook") from exc
    ws, flow_id = route.workspace_id, route.flow_id
    item = _flow_item(ws, flow_id)
    trigger = json.loads(item.published_trigger or "{}")
    if item.status != "published" or trigger.get("event") != "webhook.received":
        raise NotFound("this webhook's flow is not published")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KB", {"field": "body"})
    if trigger.get("require_signature"):
        hook = HookItem.get(f"WS#{ws}#FLOW#{flow_id}", "HOOK")
        if not verify_webhook(hook.signing_secret, raw, _header(headers, WEBHOOK_HEADER), now_epoch()):
            raise Forbidden(f"missing or invalid {WEBHOOK_HEADER}", {"field": WEBHOOK_HEADER})
    try:
        payload = loads(raw or b"null", "body", PAYLOAD_MAX_DEPTH)
    except InvalidJson as exc:  # this route names `body` in a 422, as it always has
        raise ValidationFailed.field("body", exc.message.removeprefix("body ")) from exc
    if not isinstance(payload, dict):
        raise ValidationFailed.field("body", "must be a JSON object")
    key = _header(headers, "idempotency-key")
    if key is not None and not 0 < len(key) <= _IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed.field("Idempotency-Key", f"must be 1 to {_IDEMPOTENCY_KEY_MAX} characters")
    workspace_item = identity_store.get_workspace_item(ws)
    if workspace_item is None:
        raise NotFound("no such webhook")
    workspace = identity_store.to_workspace(workspace_item)
    identity = HookIdentity(workspace=workspace, principal_type="api_key", principal_id=f"webhook:{flow_id}",
                            role=None, scopes=frozenset({"read", "write"}), flow_id=flow_id)
    if key is not None:
        try:
            seen = HookDeliveryItem.get(f"WS#{ws}#HOOK_DELIVERY#{flow_id}", f"KEY#{key}")
            return {"accepted": True, "duplicate": True, "event_id": seen.event_id, "contact_id": seen.contact_id}
        except DoesNotExist:
            pass
    contact_id = _find_or_create(settings, identity, payload)
    data = {"flow_id": flow_id, "contact_id": contact_id, "payload": payload}
    event = event_item(ws, identity.actor(), "webhook.received", data, contact_id=contact_id)
    try:
        with transaction(settings) as txn:
            if key is not None:
                txn.save(HookDeliveryItem(f"WS#{ws}#HOOK_DELIVERY#{flow_id}", f"KEY#{key}",
                                          event_id=event.activity_id, contact_id=contact_id,
                                          expires_at=now_epoch() + DEDUPE_S),
                         condition=HookDeliveryItem.PK.does_not_exist())
            txn.save(event)
    except TransactWriteError as exc:
        reasons = list(exc.cancellation_reasons or [])
        if key is not None and reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            seen = HookDeliveryItem.get(f"WS#{ws}#HOOK_DELIVERY#{flow_id}", f"KEY#{key}", consistent_read=True)
            return {"accepted": True, "duplicate": True, "event_id": seen.event_id, "contact_id": seen.contact_id}
        logger.warning("inbound webhook delivery not stored", extra={"flow_id": flow_id, "error": str(exc)[:300]})
        raise ServiceUnavailable("the delivery could not be stored and nothing was recorded; send it again") from exc
    publish_now(settings, [event])
    metrics.add_metric(name="InboundWebhookReceived", unit="Count", value=1)
    return {"accepted": True, "duplicate": False, "event_id": event.activity_id, "contact_id": contact_id}


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _find_or_create(settings: Settings, identity: HookIdentity, payload: dict[str, Any]) -> str:
    email, phone, source = _contact_points(payload)
    ws = identity.workspace_id
    email_norm = normalize_email(email) if email else None
    phone_norm = normalize_phone(phone, identity.workspace.default_region) if phone else None
    for field, value in (("email", email_norm), ("phone", phone_norm)):
        if value:
            found = _claimed(ws, field, value)
            if found:
                return found
    body: dict[str, Any] = {k: source[k] for k in ("first_name", "last_name", "company")
                            if isinstance(source.get(k), str) and source[k].strip()}
    body.update({k: v for k, v in (("email", email_norm), ("phone", phone_norm)) if v})
    body["source"] = "webhook"
    try:
        return contacts.create_contact(settings, identity, body).id
    except DomainError as exc:
        if exc.status == 409:  # created meanwhile by a concurrent delivery: use it
            for field, value in (("email", email_norm), ("phone", phone_norm)):
                found = _claimed(ws, field, value) if value else None
                if found:
                    return found
        raise
