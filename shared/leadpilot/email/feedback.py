"""SES feedback (bounces, complaints, deliveries) arriving as SNS HTTP(S) notifications.

Authenticity, three checks: the request carries HTTP Basic credentials whose password is the derived webhook
secret (SNS sends the user:password of the subscription URL `https://sns:<secret>@host/email/webhooks/ses`);
the TopicArn is one of SES_FEEDBACK_TOPIC_ARNS; and SNS's own signature verifies with its signing certificate
(`sns_signature`; off only on the local cloud, whose SNS signs nothing). A verified SubscriptionConfirmation
is confirmed by visiting its SubscribeURL, so a fresh deployment receives feedback without a manual step.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import urllib.request
from typing import Any

from pynamodb.exceptions import PutError

from leadpilot.clock import now_epoch, now_iso
from leadpilot.email import mime, outcomes, sns_signature, suppression, unsubscribe
from leadpilot.email.config import EmailConfig
from leadpilot.email.models import EmailMessageItem, ReceiptItem
from leadpilot.errors import Forbidden, InvalidJson, ServiceUnavailable
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.untrusted import loads

_RECEIPT_TTL_S = 30 * 86400


def basic_auth(secret: str) -> str:
    """The Authorization header SNS sends for a subscription URL with `sns:<secret>@`."""
    return "Basic " + base64.b64encode(f"sns:{secret}".encode()).decode()


def _authorized(config: EmailConfig, header: str | None) -> bool:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return False
    try:
        _, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return any(hmac.compare_digest(password.encode(), keys.webhook.encode()) for keys in config.keys)


def first_delivery(workspace_id: str, source: str, delivery_id: str) -> bool:
    """Claim an inbound delivery id; False when it was handled before (a duplicate stores nothing)."""
    item = ReceiptItem(f"WS#{workspace_id}#EMAIL_RECEIPT#{source}#{delivery_id[:200]}", "RECEIPT",
                       created_at=now_iso(), expires_at=now_epoch() + _RECEIPT_TTL_S)
    try:
        item.save(condition=ReceiptItem.PK.does_not_exist())
        return True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False


def _our_message(mail: dict[str, Any]) -> EmailMessageItem | None:
    headers = [h.get("value") for h in mail.get("headers") or [] if isinstance(h, dict)
               and str(h.get("name", "")).lower() == "message-id"]
    common = (mail.get("commonHeaders") or {}).get("messageId")
    for ws, msg in mime.ids_in_references(common, *headers):
        item = outcomes.get_message(ws, msg)
        if item is not None:
            return item
    return None


def handle_sns(settings: Settings, config: EmailConfig, raw: bytes, authorization: str | None) -> dict[str, Any]:
    """Verify and apply one SNS notification; 403 when unauthenticated or from another topic."""
    if not _authorized(config, authorization):
        raise Forbidden("missing or wrong webhook credentials", {"field": "Authorization"})
    envelope = loads(raw)
    if not isinstance(envelope, dict):
        raise InvalidJson("body is not an SNS message", {"field": "(body)"})
    if envelope.get("TopicArn") not in config.feedback_topic_arns:
        raise Forbidden("notification from an unexpected topic", {"field": "TopicArn"})
    if config.sns_signature_check:
        sns_signature.verify(envelope)
    if envelope.get("Type") == "SubscriptionConfirmation":
        return _confirm(config, str(envelope.get("SubscribeURL") or ""))
    notice = loads(str(envelope.get("Message") or ""), "Message")
    if not isinstance(notice, dict) or not isinstance(notice.get("mail"), dict):
        raise InvalidJson("Message is not an SES notification", {"field": "Message"})
    item = _our_message(notice["mail"])
    if item is None:
        return {"status": "unmatched"}
    if not first_delivery(item.workspace_id, "sns", str(envelope.get("MessageId") or "")):
        return {"status": "duplicate"}
    kind = str(notice.get("notificationType") or notice.get("eventType") or "")
    if kind == "Delivery":
        outcomes.record(settings, item, None, {}, [EmailMessageItem.delivered_at.set(now_iso())],
                        EmailMessageItem.delivered_at.does_not_exist(), stat="delivered")
    elif kind == "Bounce":
        _bounce(settings, item, notice.get("bounce") or {})
    elif kind == "Complaint":
        unsubscribe.mark(settings, item, "complained", "complaint")
    return {"status": "applied", "type": kind}


def _confirm(config: EmailConfig, subscribe_url: str) -> dict[str, Any]:
    """Confirm a verified subscription by visiting its SubscribeURL (an SNS host); locally, only log it."""
    if not config.sns_signature_check or not sns_signature.is_sns_url(subscribe_url):
        logger.info("SNS subscription to confirm", extra={"subscribe_url": subscribe_url})
        return {"status": "confirmation_logged"}
    try:
        with urllib.request.urlopen(subscribe_url, timeout=5) as response:  # an https SNS URL, checked above
            response.read(64 * 1024)
    except OSError as exc:  # SNS sends the confirmation again; say so
        logger.warning("SNS subscription not confirmed", extra={"error": str(exc)[:300]})
        raise ServiceUnavailable("the subscription could not be confirmed now; SNS will ask again") from exc
    logger.info("SNS subscription confirmed", extra={"topic_arn": subscribe_url.split("TopicArn=")[-1][:300]})
    return {"status": "confirmed"}


def _bounce(settings: Settings, item: EmailMessageItem, bounce: dict[str, Any]) -> None:
    permanent = bounce.get("bounceType") == "Permanent"
    if permanent:
        suppression.suppress(item.workspace_id, item.to, "bounced", item.message_id)
    outcomes.record(settings, item, "email.bounced",
                    {"bounce_type": str(bounce.get("bounceType") or "Undetermined"),
                     "bounce_sub_type": str(bounce.get("bounceSubType") or ""), "permanent": permanent},
                    [EmailMessageItem.bounced_at.set(now_iso())], EmailMessageItem.bounced_at.does_not_exist(),
                    stat="bounces")
