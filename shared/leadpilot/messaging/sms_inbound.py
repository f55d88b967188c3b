"""Twilio's webhooks: an inbound text (routed by the To number, threaded per contact, STOP/START/HELP
handled) and status callbacks (deduplicated on MessageSid + status, never moving a status backwards)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.contact_points import normalize_phone
from leadpilot.contacts import service as contacts_service
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ContactClaimItem
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.messaging import numbers, sms_settings, sms_store
from leadpilot.messaging.compliance import Keyword, classify_inbound, help_reply, opt_in_reply, opt_out_reply
from leadpilot.messaging.config import MessagingConfig
from leadpilot.messaging.models import ConversationItem, ProviderSidItem, SmsMessageItem, StatusSeenItem
from leadpilot.messaging.segments import segment_info
from leadpilot.messaging.sms_send import SendRequest, _iso, queue_sms
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

INBOUND_ACTOR = {"type": "system", "id": "sms-inbound"}
PROVIDER_ACTOR = {"type": "system", "id": "sms-provider"}
_STATUS_SEEN_TTL_S = 30 * 86400
MAX_INBOUND_BODY = 1600


@dataclass(frozen=True)
class InboundSmsIdentity(Identity):
    """The inbound webhook acting in a workspace (creating contacts, recording opt-outs)."""

    def actor(self) -> dict[str, str]:
        return dict(INBOUND_ACTOR)


def _identity(workspace_id: str) -> InboundSmsIdentity:
    item = identity_store.get_workspace_item(workspace_id)
    if item is None:
        raise NotFound("workspace not found", {"field": "To"})
    return InboundSmsIdentity(workspace=identity_store.to_workspace(item), principal_type="api_key",
                              principal_id="sms-inbound", role=None, scopes=frozenset({"read", "write"}))


def _field(form: Mapping[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise ValidationFailed.field(name, "is required")
    return value


def _sender_contact(settings: Settings, identity: InboundSmsIdentity, phone: str) -> tuple[str, bool]:
    """The contact with this E.164 phone in the workspace, created when there is none: (id, created)."""
    key = contacts_store.claim_key(identity.workspace_id, "phone", phone)
    for _ in range(2):
        try:
            return ContactClaimItem.get(key, "CLAIM", consistent_read=True).contact_id, False
        except ContactClaimItem.DoesNotExist:
            pass
        try:
            return contacts_service.create_contact(settings, identity, {"phone": phone, "source": "sms"}).id, True
        except Conflict:
            continue  # created by a concurrent text from the same number: read its claim
    raise Conflict("the sender's contact is being changed; retry", {"field": "From"})


def receive(settings: Settings, config: MessagingConfig, form: Mapping[str, str],
            now: datetime | None = None) -> str | None:
    """Store one inbound text (once per MessageSid); returns a reply to send back, if any (as TwiML)."""
    now = now or datetime.now(UTC)
    sid, to = _field(form, "MessageSid"), _field(form, "To")
    body = form.get("Body") or ""
    if len(body) > MAX_INBOUND_BODY:
        raise ValidationFailed.field("Body", f"is longer than {MAX_INBOUND_BODY} characters")
    owner = numbers.workspace_for(to)
    if owner is None:
        raise NotFound("no workspace has this number", {"field": "To"})
    workspace_id = owner[0]
    identity = _identity(workspace_id)
    sender = normalize_phone(_field(form, "From"), identity.workspace.default_region, "From")
    try:
        ProviderSidItem.get(f"SMS_SID#{sid}", "SID", consistent_read=True)
        return None  # a duplicate delivery of a text already stored
    except ProviderSidItem.DoesNotExist:
        pass
    contact_id, created = _sender_contact(settings, identity, sender)
    keyword = classify_inbound(body, form.get("OptOutType"))
    if keyword is not None and keyword.intent == "opt_in" and not _opted_out(workspace_id, contact_id):
        keyword = None  # "Yes" from someone who never opted out is an answer, not a keyword
    if keyword is not None:
        _apply_keyword(settings, identity, contact_id, keyword)
    item = sms_store.new_item(workspace_id, new_id(), contact_id, direction="inbound", to=to, from_=sender, body=body,
                              status="received", provider_sid=sid, provider_status="received",
                              segments=_segments(form.get("NumSegments"), body),
                              source="inbound", keyword=keyword.intent if keyword else None,
                              created_at=_iso(now), updated_at=_iso(now))
    if keyword is None:
        event = sms_store.sms_event(item, "sms.received", INBOUND_ACTOR, contact_created=created)
    else:
        event = sms_store.sms_event(item, "sms.keyword_received", INBOUND_ACTOR, intent=keyword.intent,
                                    word=keyword.word)
    try:
        with transaction(settings) as txn:
            txn.save(ProviderSidItem(f"SMS_SID#{sid}", "SID", workspace_id=workspace_id, message_id=item.message_id),
                     condition=ProviderSidItem.PK.does_not_exist())
            txn.save(item, condition=SmsMessageItem.PK.does_not_exist())
            sms_store.touch_conversation(txn, item, unread=True)
            txn.save(event)
    except TransactWriteError as exc:
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            return None  # the same MessageSid, delivered twice at once: the other one stored it
        raise
    publish_now(settings, [event])
    metrics.add_metric(name="SmsReceived", unit="Count", value=1)
    if keyword is not None and not form.get("OptOutType"):
        _reply(settings, config, workspace_id, contact_id, keyword)  # Twilio's Advanced Opt-Out replies itself
    return None


def _segments(reported: str | None, body: str) -> int:
    """Twilio's NumSegments when it is a number, else our own count."""
    if reported and reported.isdigit() and len(reported) < 4:
        return int(reported)
    return max(1, segment_info(body).segments)


def _opted_out(workspace_id: str, contact_id: str) -> bool:
    convo = sms_store.conversation(workspace_id, contact_id)
    item = contacts_store.get_item(workspace_id, contact_id)
    return bool(convo is not None and convo.opted_out) or bool(item is not None and item.do_not_contact)


def _apply_keyword(settings: Settings, identity: InboundSmsIdentity, contact_id: str, keyword: Keyword) -> None:
    """STOP: do-not-contact (and remember it came from SMS); START: lift it, when a STOP set it."""
    ws = identity.workspace_id
    convo = ConversationItem(sms_store.conversations_pk(ws), f"CONTACT#{contact_id}")
    if keyword.intent == "opt_out":
        contacts_service.update_contact(settings, identity, contact_id, {"do_not_contact": True})
        convo.update(actions=[ConversationItem.kind.set(ConversationItem), ConversationItem.contact_id.set(contact_id),
                              ConversationItem.opted_out.set(True)])
        metrics.add_metric(name="SmsOptOut", unit="Count", value=1)
    elif keyword.intent == "opt_in":
        existing = sms_store.conversation(ws, contact_id)
        if existing is not None and existing.opted_out:
            contacts_service.update_contact(settings, identity, contact_id, {"do_not_contact": False})
            convo.update(actions=[ConversationItem.opted_out.set(False)])
        metrics.add_metric(name="SmsOptIn", unit="Count", value=1)


def _reply(settings: Settings, config: MessagingConfig, workspace_id: str, contact_id: str, keyword: Keyword) -> None:
    ws_settings = sms_settings.load(workspace_id)
    name = ws_settings.business_name
    text = {"opt_out": opt_out_reply(name), "opt_in": opt_in_reply(name),
            "help": help_reply(name, ws_settings.help_contact)}[keyword.intent]
    try:
        queue_sms(settings, config, workspace_id, SendRequest(contact_id=contact_id, body=text, actor=INBOUND_ACTOR,
                                                              source="compliance", purpose="compliance", rendered=True))
    except Exception:  # the text is stored and the opt-out applied; a lost confirmation must not fail the webhook
        logger.exception("compliance reply failed", extra={"contact_id": contact_id, "intent": keyword.intent})


# ---------------------------------------------------------------- status callbacks

_RANK = {"accepted": 1, "scheduled": 1, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4,
         "failed": 4, "read": 5}
_OURS = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed", "read": "delivered"}


def on_status(settings: Settings, form: Mapping[str, str], now: datetime | None = None) -> str:
    """Apply a delivery receipt once; an older status arriving late changes nothing. Returns what happened."""
    now = now or datetime.now(UTC)
    sid, status = _field(form, "MessageSid"), _field(form, "MessageStatus").lower()
    if status not in _RANK:
        raise ValidationFailed.field("MessageStatus", f"is not a known message status: {status[:40]}")
    try:
        ref = ProviderSidItem.get(f"SMS_SID#{sid}", "SID", consistent_read=True)
    except ProviderSidItem.DoesNotExist:
        logger.warning("status callback for an unknown message", extra={"sid": sid[:64], "status": status})
        return "unknown"
    for _ in range(3):
        item = sms_store.get_item(ref.workspace_id, ref.message_id)
        if item is None or item.direction != "outbound":
            return "unknown"
        result = _apply_status(settings, item, status, form, now)
        if result != "raced":
            return result
    return "raced"


def _apply_status(settings: Settings, item: SmsMessageItem, status: str, form: Mapping[str, str],
                  now: datetime) -> str:
    seen = StatusSeenItem(item.PK, f"STATUS#{status}", received_at=_iso(now),
                          expires_at=int(now.timestamp()) + _STATUS_SEEN_TTL_S)
    current = item.provider_status or ""
    forward = _RANK[status] > _RANK.get(current, 0) and item.status not in ("delivered", "undelivered", "failed")
    events = []
    try:
        with transaction(settings) as txn:
            txn.save(seen, condition=StatusSeenItem.PK.does_not_exist())
            if forward:
                ours = _OURS.get(status, item.status)
                actions: list[Any] = [SmsMessageItem.provider_status.set(status), SmsMessageItem.status.set(ours),
                                      SmsMessageItem.updated_at.set(_iso(now))]
                code = (form.get("ErrorCode") or "").strip()[:20]
                if code:
                    actions.append(SmsMessageItem.error_code.set(code))
                    if form.get("ErrorMessage"):
                        actions.append(SmsMessageItem.error_message.set(str(form["ErrorMessage"])[:500]))
                if ours == "delivered":
                    actions.append(SmsMessageItem.delivered_at.set(_iso(now)))
                condition = (SmsMessageItem.provider_status == current) if current else \
                    SmsMessageItem.provider_status.does_not_exist()
                txn.update(item, actions=actions, condition=condition)
                item.status, item.provider_status = ours, status
                if ours == "delivered":
                    events.append(sms_store.sms_event(item, "sms.delivered", PROVIDER_ACTOR))
                elif ours in ("failed", "undelivered"):
                    events.append(sms_store.sms_event(item, "sms.failed", PROVIDER_ACTOR, status=ours,
                                                      error_code=code or None,
                                                      error_message=(form.get("ErrorMessage") or None)))
                for event in events:
                    txn.save(event)
    except TransactWriteError as exc:
        reasons = list(exc.cancellation_reasons or [])
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return "duplicate"
        if len(reasons) > 1 and reasons[1] is not None and reasons[1].code == "ConditionalCheckFailed":
            return "raced"  # another callback moved the message meanwhile: look again
        raise
    publish_now(settings, events)
    if events:
        metrics.add_metric(name="SmsDelivered" if item.status == "delivered" else "SmsFailed", unit="Count", value=1)
    return item.status if forward else "stale"
