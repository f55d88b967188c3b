"""One text to many contacts (up to 100 per request): the same checks as a single send, amortised.

Each contact gets its own rendered text and result (queued, or refused with a code); the segments of all
accepted texts are charged at once, so a batch over the limit is a 429 and nothing is queued.
"""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot import usage
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.errors import DomainError, ValidationFailed
from leadpilot.identity import suspension
from leadpilot.ids import new_id
from leadpilot.messages.segments import check_sms_body
from leadpilot.messages.templates import render, variables
from leadpilot.observability import metrics
from leadpilot.settings import Settings
from leadpilot.sms import messaging_settings as sms_settings
from leadpilot.sms import store as sms_store
from leadpilot.sms.compliance import first_message_footer
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.models import ConversationItem, SmsMessageItem
from leadpilot.sms.send import MAX_QUEUE_DELAY_S, _from_number, _iso, _sqs, context_of, due_time, queue_body

MAX_BULK = 100
_PER_TRANSACTION = 25  # 50 items of DynamoDB's 100 per transaction


def _refused(contact_id: str, code: str, message: str) -> dict[str, Any]:
    return {"contact_id": contact_id, "status": "refused", "error": {"code": code, "message": message}}


def queue_bulk(settings: Settings, config: MessagingConfig, workspace_id: str, body: dict[str, Any],
               actor: dict[str, str], send_at: datetime | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Queue one template to each contact; returns per-contact results and counts."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(body["contact_ids"]))
    variables(body["body"])  # an unknown variable is the request's fault: 422 before anything else
    ws_settings = sms_settings.load(workspace_id)
    sender = _from_number(config, workspace_id, body.get("from_number_id"))
    contacts = contacts_store.batch_get(workspace_id, ids)
    convos = {c.contact_id: c for c in ConversationItem.batch_get(
        [(sms_store.conversations_pk(workspace_id), f"CONTACT#{cid}") for cid in ids])}
    target = send_at if send_at is not None and send_at > now else now
    due = due_time(now, target, config.time_scale)
    results: dict[str, dict[str, Any]] = {}
    planned: list[SmsMessageItem] = []
    for cid in ids:
        contact = contacts.get(cid)
        if contact is None:
            results[cid] = _refused(cid, "not_found", "contact not found")
        elif contact.do_not_contact:
            results[cid] = _refused(cid, "do_not_contact", "the contact is marked do-not-contact")
        elif not contact.phone:
            results[cid] = _refused(cid, "no_phone", "the contact has no phone number")
        else:
            try:
                text = render(body["body"], context_of(contact, ws_settings.business_name, body.get("vars") or {}))
                convo = convos.get(cid)
                if ws_settings.first_message_footer and (convo is None or not int(convo.outbound or 0)):
                    text += first_message_footer(ws_settings.business_name)
                info = check_sms_body(text)
            except DomainError as exc:
                results[cid] = _refused(cid, exc.code, exc.message)
                continue
            planned.append(sms_store.new_item(
                workspace_id, new_id(), cid, direction="outbound", to=contact.phone, from_=sender, body=text,
                status="scheduled" if target > now else "queued", segments=info.segments, encoding=info.encoding,
                purpose="message", source="bulk", actor=json.dumps(actor),
                send_at=_iso(target) if target > now else None, due_at=_iso(due), created_at=_iso(now),
                updated_at=_iso(now)))
    if not planned and not results:
        raise ValidationFailed.field("contact_ids", "is empty")
    total = sum(int(i.segments) for i in planned)
    suspension.refuse_if_suspended(workspace_id)  # 403 workspace_suspended: nothing is queued or charged
    # One charge for the batch (all or nothing under the limit), keyed by its first text
    ref = usage.sms_charge(planned[0].message_id) if planned else None
    charged = usage.charge(settings, workspace_id, "sms_segments", total, now=now,
                           key=ref and f"bulk:{ref['key']}", cause=ref and ref["cause"])
    for item in planned:
        item.charged_at = charged.at
    try:  # before the commit, as for one text (see sms_send.queue_sms)
        _enqueue_all(config, workspace_id, [i.message_id for i in planned], (due - now).total_seconds())
    except Exception:
        usage.refund(settings, workspace_id, "sms_segments", total, charged_at=charged.at,
                     key=charged.key and f"refund:{charged.key}", cause=ref and ref["cause"])
        raise
    queued: list[SmsMessageItem] = []
    for start in range(0, len(planned), _PER_TRANSACTION):
        group = planned[start:start + _PER_TRANSACTION]
        try:
            _save(settings, group)
            queued += group
            continue
        except TransactWriteError:
            pass  # one of them conflicts: find out which, one by one
        for item in group:
            try:
                _save(settings, [item])
                queued.append(item)
            except TransactWriteError:
                usage.refund(settings, workspace_id, "sms_segments", int(item.segments), charged_at=charged.at,
                             **usage.sms_refund(item.message_id))
                results[item.contact_id] = _refused(item.contact_id, "conflict", "could not be queued; retry")
    for item in queued:
        results[item.contact_id] = {"contact_id": item.contact_id, "status": item.status, "message_id": item.message_id}
    metrics.add_metric(name="SmsQueued", unit="Count", value=len(queued))
    return {"items": [results[cid] for cid in ids], "queued": len(queued), "refused": len(ids) - len(queued),
            "segments": sum(int(i.segments) for i in queued)}


def _save(settings: Settings, items: list[SmsMessageItem]) -> None:
    """Texts and their conversations in one transaction (two items per text; contacts are distinct)."""
    with transaction(settings) as txn:
        for item in items:
            txn.save(item, condition=SmsMessageItem.PK.does_not_exist())
            sms_store.touch_conversation(txn, item, unread=False)


def _enqueue_all(config: MessagingConfig, workspace_id: str, message_ids: list[str], delay_s: float) -> None:
    import os

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    delay = min(MAX_QUEUE_DELAY_S, max(0, math.ceil(delay_s)))
    for start in range(0, len(message_ids), 10):
        chunk = message_ids[start:start + 10]
        entries = [{"Id": str(n), "DelaySeconds": delay,
                    "MessageBody": queue_body(workspace_id, mid)}
                   for n, mid in enumerate(chunk)]
        response = _sqs(region).send_message_batch(QueueUrl=config.need("send_queue_url"), Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"could not enqueue {len(response['Failed'])} texts")  # a retry re-queues them
