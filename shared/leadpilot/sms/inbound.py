"""Twilio's webhooks: an inbound text (routed by the To number, threaded per contact, STOP/START/HELP
handled). Status callbacks are in `sms.status`."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError

from leadpilot.contact_points import normalize_phone
from leadpilot.contacts import service as contacts_service
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ContactClaimItem
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.identity.system import SystemIdentity, system_identity
from leadpilot.ids import new_id
from leadpilot.messages.segments import segment_info
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.sms import messaging_settings as sms_settings
from leadpilot.sms import numbers
from leadpilot.sms import store as sms_store
from leadpilot.sms.compliance import Keyword, classify_inbound, help_reply, opt_in_reply, opt_out_reply
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.models import ConversationItem, ProviderSidItem, SmsMessageItem
from leadpilot.sms.send import SendRequest, _iso, queue_sms
from leadpilot.sms.webhooks import require_owner

INBOUND_ACTOR = {"type": "system", "id": "sms-inbound"}
MAX_INBOUND_BODY = 1600


def form_field(form: Mapping[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise ValidationFailed.field(name, "is required")
    return value


def _sender_contact(settings: Settings, identity: SystemIdentity, phone: str) -> tuple[str, bool]:
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


def receive(settings: Settings, config: MessagingConfig, form: Mapping[str, str], now: datetime | None = None,
            signed_by: str | None = None) -> str | None:
    """Store one inbound text (once per MessageSid); returns a reply to send back, if any (as TwiML).
    `signed_by`: the workspace whose own Twilio account signed the webhook; only its numbers may receive."""
    now = now or datetime.now(UTC)
    sid, to = form_field(form, "MessageSid"), form_field(form, "To")
    body = form.get("Body") or ""
    if len(body) > MAX_INBOUND_BODY:
        raise ValidationFailed.field("Body", f"is longer than {MAX_INBOUND_BODY} characters")
    owner = numbers.workspace_for(to)
    require_owner(signed_by, owner[0] if owner else None, "To")
    if owner is None:
        raise NotFound("no workspace has this number", {"field": "To"})
    workspace_id = owner[0]
    identity = system_identity(workspace_id, INBOUND_ACTOR["id"])
    sender = normalize_phone(form_field(form, "From"), identity.workspace.default_region, "From")
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
    if reported and reported.isascii() and reported.isdigit() and len(reported) < 4:
        return int(reported)
    return max(1, segment_info(body).segments)


def _opted_out(workspace_id: str, contact_id: str) -> bool:
    convo = sms_store.conversation(workspace_id, contact_id)
    item = contacts_store.get_item(workspace_id, contact_id)
    return bool(convo is not None and convo.opted_out) or bool(item is not None and item.do_not_contact)


def _apply_keyword(settings: Settings, identity: SystemIdentity, contact_id: str, keyword: Keyword) -> None:
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
