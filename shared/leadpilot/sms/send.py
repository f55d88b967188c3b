"""Asking for a text: render, check, charge, record it queued, and put it on the send queue.

Every path (API, automation, bulk, compliance replies) comes through `queue_sms`; the worker checks
do-not-contact and quiet hours again at send time, so a contact who opted out meanwhile gets nothing.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import boto3
from pynamodb.exceptions import TransactWriteError, UpdateError

from leadpilot import usage
from leadpilot.contacts import store as contacts_store
from leadpilot.contacts.entities import Contact
from leadpilot.db.base import transaction
from leadpilot.errors import DomainError, NotFound, ValidationFailed
from leadpilot.identity import suspension
from leadpilot.ids import new_id
from leadpilot.messages.segments import check_sms_body, segment_info
from leadpilot.messages.templates import preview, render
from leadpilot.observability import metrics
from leadpilot.settings import Settings
from leadpilot.sms import messaging_settings as sms_settings
from leadpilot.sms import numbers
from leadpilot.sms import store as sms_store
from leadpilot.sms.compliance import first_message_footer
from leadpilot.sms.config import SANDBOX_FROM, MessagingConfig
from leadpilot.sms.models import IdempotencyItem, SmsMessageItem

MAX_QUEUE_DELAY_S = 900  # SQS's DelaySeconds limit: longer waits are re-enqueued by the worker
IDEMPOTENCY_TTL_S = 7 * 86400
MAX_SCHEDULE_AHEAD = timedelta(days=365)


class SendRefused(DomainError):
    """The contact may not be texted (do-not-contact, opted out): refused, nothing queued."""

    status = 409
    code = "do_not_contact"


@dataclass
class SendRequest:
    """One text to queue. `body` is a template unless `rendered` (the automation renders its own)."""

    contact_id: str
    body: str
    actor: dict[str, str]
    vars: dict[str, Any] = field(default_factory=dict)
    send_at: datetime | None = None
    from_number_id: str | None = None
    idempotency_key: str | None = None
    source: str = "manual"
    purpose: str = "message"  # compliance: a STOP/START/HELP reply (not blocked by do-not-contact or limits)
    rendered: bool = False


def context_of(contact: Contact | None, business_name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """What templates see: {contact: {...}, workspace: {business_name}, vars: {...}}."""
    fields = {} if contact is None else {"first_name": contact.first_name, "last_name": contact.last_name,
                                         "email": contact.email, "phone": contact.phone, "company": contact.company}
    return {"contact": fields, "workspace": {"business_name": business_name}, "vars": variables}


def _contact(workspace_id: str, contact_id: str) -> Contact:
    item = contacts_store.get_item(workspace_id, contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    return contacts_store.to_contact(item)


def preview_sms(workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Rendered text and segment count (GSM-7 / UCS-2) before sending; unknown variables are a 422."""
    settings = sms_settings.load(workspace_id)
    contact = _contact(workspace_id, body["contact_id"]) if body.get("contact_id") else None
    sample = context_of(contact, settings.business_name, body.get("vars") or {})
    if contact is None:
        sample["contact"] = {**(body.get("sample") or {})}
    shown = preview(body["body"], sample)
    result = shown.as_dict()
    if body.get("with_footer") and settings.first_message_footer:
        text = shown.text + first_message_footer(settings.business_name)
        result["with_footer"] = {"text": text, "segments": segment_info(text).as_dict()}
    return result


def _from_number(config: MessagingConfig, workspace_id: str, number_id: str | None) -> str:
    if number_id:
        return numbers.get_number(workspace_id, number_id).number
    owned = numbers.list_numbers(workspace_id)
    if owned:
        return owned[0].number
    if config.sandbox:
        return SANDBOX_FROM
    raise ValidationFailed.field("from_number_id", "the workspace has no phone number: add one (POST /phone-numbers)")


def _existing(workspace_id: str, key: str | None) -> dict[str, Any] | None:
    if not key:
        return None
    try:
        item = IdempotencyItem.get(f"WS#{workspace_id}#SMS_IDEMPOTENCY#{key}", "KEY", consistent_read=True)
    except IdempotencyItem.DoesNotExist:
        return None
    return sms_store.get_message(workspace_id, item.message_id)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def due_time(now: datetime, target: datetime, time_scale: float) -> datetime:
    """When a wait until `target` ends, with LEADPILOT_TIME_SCALE applied (a speed-up factor)."""
    return now + max(target - now, timedelta(0)) / time_scale


def queue_sms(settings: Settings, config: MessagingConfig, workspace_id: str, request: SendRequest,
              now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Queue one text; returns (message, created). The same idempotency key returns the first message."""
    existing = _existing(workspace_id, request.idempotency_key)
    if existing is not None:
        return existing, False
    suspension.refuse_if_suspended(workspace_id)  # 403 workspace_suspended: nothing is queued or charged
    now = now or datetime.now(UTC)
    contact = _contact(workspace_id, request.contact_id)
    compliance = request.purpose == "compliance"
    if contact.do_not_contact and not compliance:
        raise SendRefused("the contact is marked do-not-contact (or texted STOP)",
                          {"field": "contact_id", "contact_id": contact.id})
    if not contact.phone:
        raise ValidationFailed.field("contact_id", "the contact has no phone number")
    ws_settings = sms_settings.load(workspace_id)
    text = request.body if request.rendered else render(
        request.body, context_of(contact, ws_settings.business_name, request.vars))
    convo = sms_store.conversation(workspace_id, contact.id)
    if ws_settings.first_message_footer and not compliance and (convo is None or not int(convo.outbound or 0)):
        text += first_message_footer(ws_settings.business_name)
    info = check_sms_body(text)
    sender = _from_number(config, workspace_id, request.from_number_id)
    if request.send_at is not None and request.send_at > now + MAX_SCHEDULE_AHEAD:
        raise ValidationFailed.field("send_at", "is more than a year ahead")
    message_id = new_id()
    charged = usage.charge(settings, workspace_id, "sms_segments", info.segments, now=now, enforce=not compliance,
                           **usage.sms_charge(message_id))
    target = request.send_at if request.send_at is not None and request.send_at > now else now
    due = due_time(now, target, config.time_scale)
    item = sms_store.new_item(
        workspace_id, message_id, contact.id, direction="outbound", to=contact.phone, from_=sender, body=text,
        status="scheduled" if target > now else "queued", segments=info.segments, encoding=info.encoding,
        charged_at=charged.at, purpose=request.purpose, source=request.source, actor=json.dumps(request.actor),
        send_at=_iso(target) if target > now else None, due_at=_iso(due), created_at=_iso(now), updated_at=_iso(now))
    # Enqueued before the commit, so a committed text always has its queue message; a queue message whose text
    # was never committed (a failed transaction, a crash) is dropped by the worker after a grace period.
    try:
        enqueue(config, workspace_id, message_id, (due - now).total_seconds())
    except Exception:
        usage.refund(settings, workspace_id, "sms_segments", info.segments, charged_at=charged.at,
                     **usage.sms_refund(message_id))
        raise
    try:
        with transaction(settings) as txn:
            txn.save(item, condition=SmsMessageItem.PK.does_not_exist())
            if request.idempotency_key:
                txn.save(IdempotencyItem(f"WS#{workspace_id}#SMS_IDEMPOTENCY#{request.idempotency_key}", "KEY",
                                         message_id=message_id, expires_at=int(now.timestamp()) + IDEMPOTENCY_TTL_S),
                         condition=IdempotencyItem.PK.does_not_exist())
            sms_store.touch_conversation(txn, item, unread=False)
    except TransactWriteError:
        usage.refund(settings, workspace_id, "sms_segments", info.segments, charged_at=charged.at,
                     **usage.sms_refund(message_id))
        raced = _existing(workspace_id, request.idempotency_key)
        if raced is not None:
            return raced, False  # the same request, sent twice at once: the first one won
        raise
    metrics.add_metric(name="SmsQueued", unit="Count", value=1)
    return sms_store.to_dict(item), True


@lru_cache(maxsize=2)
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


def enqueue(config: MessagingConfig, workspace_id: str, message_id: str, delay_s: float = 0) -> None:
    """Put a text on the send queue, visible after `delay_s` (at most 15 minutes; the worker re-enqueues)."""
    import os

    delay = min(MAX_QUEUE_DELAY_S, max(0, math.ceil(delay_s)))
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    _sqs(region).send_message(QueueUrl=config.need("send_queue_url"), DelaySeconds=delay,
                              MessageBody=queue_body(workspace_id, message_id))


def queue_body(workspace_id: str, message_id: str) -> str:
    """A send-queue message: which text, and when it was enqueued (the worker's grace for uncommitted texts)."""
    return json.dumps({"workspace_id": workspace_id, "message_id": message_id,
                       "enqueued_at": _iso(datetime.now(UTC))})


def cancel_sms(settings: Settings, workspace_id: str, message_id: str) -> dict[str, Any]:
    """Cancel a text that has not been handed to the provider yet (scheduled, deferred or queued)."""
    item = sms_store.get_item(workspace_id, message_id)
    if item is None:
        raise NotFound("message not found", {"field": "message_id"})
    if item.status not in ("scheduled", "queued"):
        raise ValidationFailed.field("message_id", f"cannot be cancelled: it is {item.status}")
    try:
        item.update(actions=[SmsMessageItem.status.set("cancelled")],
                    condition=SmsMessageItem.status.is_in("scheduled", "queued"))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise ValidationFailed.field("message_id", "cannot be cancelled: it is being sent") from exc
    usage.refund(settings, workspace_id, "sms_segments", int(item.segments or 0), charged_at=str(item.charged_at),
                 **usage.sms_refund(message_id))
    return sms_store.to_dict(item)
