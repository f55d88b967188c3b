"""One email to many contacts (up to 100 per request): the checks of one send, amortised.

Each contact gets its own rendered message and result (queued, or refused with a code); the accepted messages are
charged at once, so a batch over the plan's limit is a 429 and nothing is queued. The contacts, their suppressed
addresses and (with an idempotency key) the messages already sent for that key are each read in one call, the
messages written in a few transactions and queued ten to a call, where POST /emails makes each call per message.

With an `idempotency_key` each contact's message id derives from the key: the same request again queues and
charges nothing more and answers what became of each message (one still `queued` is queued again, in case the
first request stopped between saving it and queueing it; the worker's claim sends it once).
"""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot import usage
from leadpilot.contact_points import normalize_email
from leadpilot.contacts import store as contacts_store
from leadpilot.contacts.entities import Contact
from leadpilot.db.base import transaction
from leadpilot.email import senders, suppression
from leadpilot.email.config import EmailConfig
from leadpilot.email.content import EmailContent, render_email
from leadpilot.email.models import EmailMessageItem
from leadpilot.email.outcomes import message_pk
from leadpilot.email.provider import EmailProvider
from leadpilot.email.sending import (
    _check_body_size,
    _context,
    _sqs,
    _subject,
    check_from_name,
    job_body,
    key_id,
    new_message,
)
from leadpilot.errors import DomainError, ValidationFailed
from leadpilot.identity import suspension
from leadpilot.ids import new_id
from leadpilot.messages.templates import render, variables
from leadpilot.observability import metrics
from leadpilot.settings import Settings

MAX_BULK = 100
_TRANSACTION_BYTES = 3_000_000  # DynamoDB allows 4 MB per transaction; a message holds its HTML and its text


def _refused(contact_id: str, code: str, message: str) -> dict[str, Any]:
    return {"contact_id": contact_id, "status": "refused", "error": {"code": code, "message": message}}


def _accepted(item: EmailMessageItem) -> dict[str, Any]:
    answer = {"contact_id": item.contact_id, "status": item.status, "message_id": item.message_id}
    return answer | ({"reason": item.reason} if item.reason else {})


def send_bulk(settings: Settings, config: EmailConfig, provider: EmailProvider, workspace_id: str,
              body: dict[str, Any], business_name: str) -> dict[str, Any]:
    """POST /emails/bulk: per-contact results and counts (422 for a bad template, 429 over the plan)."""
    ids = list(dict.fromkeys(body["contact_ids"]))
    _check_body_size(body["body"])
    variables(body["subject"], "subject")  # the request's fault: 422 before anything is read
    uses = variables(body["body"], "body")
    from_name = body.get("from_name")
    check_from_name(from_name)
    sender = senders.require_sender(settings, workspace_id, provider)
    key = body.get("idempotency_key")
    message_ids = {cid: key_id(f"{workspace_id}|bulk|{key}|{cid}") if key else new_id() for cid in ids}
    earlier = _earlier(workspace_id, list(message_ids.values())) if key else {}
    contacts = contacts_store.batch_get(workspace_id, [cid for cid in ids if message_ids[cid] not in earlier])
    addresses = {cid: _address(contact) for cid, contact in contacts.items()}
    suppressed = suppression.reasons_among(workspace_id, {a for a in addresses.values() if a})
    shared_content = None if uses else render_email(body["body"], {}, "body")  # the same for every contact
    results: dict[str, dict[str, Any]] = {}
    planned: list[EmailMessageItem] = []
    for cid in ids:
        known = earlier.get(message_ids[cid])
        contact, address = contacts.get(cid), addresses.get(cid)
        if known is not None:
            results[cid] = _accepted(known)
        elif contact is None:
            results[cid] = _refused(cid, "not_found", "contact not found")
        elif not contact.email:
            results[cid] = _refused(cid, "no_email", "the contact has no email address")
        elif address is None:
            results[cid] = _refused(cid, "invalid_email", "the contact's email address cannot be sent to")
        elif contact.do_not_contact:
            results[cid] = _refused(cid, "do_not_contact", "the contact is marked do-not-contact")
        elif address in suppressed:
            results[cid] = _refused(cid, "suppressed", f"the address is suppressed ({suppressed[address]})")
        else:
            try:
                context = _context(workspace_id, contact.to_dict(), body.get("variables") or {}, business_name)
                subject = _subject(render(body["subject"], context, "subject"))
                content: EmailContent = shared_content or render_email(body["body"], context, "body")
            except DomainError as exc:
                results[cid] = _refused(cid, exc.code, exc.message)
                continue
            planned.append(new_message(workspace_id, message_ids[cid], contact.id, address, sender,
                                       from_name or sender.name, subject, content.html, content.text))
    suspension.refuse_if_suspended(workspace_id)  # 403 workspace_suspended: nothing is queued or charged
    charged = _charge(settings, workspace_id, planned, key and key_id(f"{workspace_id}|bulk|{key}|{sorted(ids)}"))
    saved = _save_all(settings, workspace_id, planned, charged)
    for item in saved:
        results[item.contact_id] = _accepted(item)
    for item in planned:
        results.setdefault(item.contact_id, _refused(item.contact_id, "conflict", "could not be queued; retry"))
    _enqueue(settings, config, workspace_id, [item.message_id for item in saved] +
             [item.message_id for item in earlier.values() if item.status == "queued"])
    metrics.add_metric(name="EmailQueued", unit="Count", value=len(saved))
    items = [results[cid] for cid in ids]
    queued = sum(1 for item in items if "message_id" in item)
    return {"items": items, "queued": queued, "refused": len(items) - queued}


def _address(contact: Contact) -> str | None:
    """The contact's normalised address; None when it has none or it cannot be sent to."""
    if not contact.email:
        return None
    try:
        return normalize_email(contact.email, "to")
    except ValidationFailed:
        return None


def _earlier(workspace_id: str, message_ids: list[str]) -> dict[str, EmailMessageItem]:
    """The messages an earlier request with the same key saved, by id."""
    keys = [(message_pk(workspace_id, mid), "MSG") for mid in message_ids]
    return {str(item.message_id): item for item in EmailMessageItem.batch_get(keys)}


def _charge(settings: Settings, workspace_id: str, planned: list[EmailMessageItem],
            request_key: str | None) -> usage.Charge | None:
    """One charge for the batch (all or nothing under the plan's limit), keyed by the request (its idempotency key
    and contacts) when it has a key, else by its first message: the same keyed request again after a crash, with
    all or some of its messages unsaved, is not charged twice."""
    if not planned:
        return None
    first = usage.email_charge(planned[0].message_id)
    key = f"bulk:email:{request_key}" if request_key else f"bulk:{first['key']}"
    charged = usage.charge(settings, workspace_id, "emails", len(planned), key=key, cause=first["cause"])
    for item in planned:
        item.charged_at = charged.at
    return charged


def _save_all(settings: Settings, workspace_id: str, planned: list[EmailMessageItem],
              charged: usage.Charge | None) -> list[EmailMessageItem]:
    """The messages saved, in transactions of up to 100 (and ~3 MB); a group that fails is saved one by one, and
    a message that still cannot be saved gives its share of the charge back."""
    saved: list[EmailMessageItem] = []
    for group in _groups(planned):
        try:
            _save(settings, group)
            saved += group
            continue
        except TransactWriteError:
            pass  # one of them exists already (the same key, sent meanwhile): find out which
        for item in group:
            try:
                _save(settings, [item])
                saved.append(item)
            except TransactWriteError:
                if charged is not None and not charged.repeat:
                    usage.refund(settings, workspace_id, "emails", 1, charged_at=charged.at,
                                 **usage.email_refund(item.message_id))
    return saved


def _groups(items: list[EmailMessageItem]) -> list[list[EmailMessageItem]]:
    """Consecutive runs of at most 100 messages and about 3 MB each."""
    groups: list[list[EmailMessageItem]] = []
    group: list[EmailMessageItem] = []
    size = 0
    for item in items:
        item_size = len(item.html.encode()) + len(item.text.encode()) + len(item.subject.encode()) + 1024
        if group and (size + item_size > _TRANSACTION_BYTES or len(group) == MAX_BULK):
            groups.append(group)
            group, size = [], 0
        group.append(item)
        size += item_size
    return [*groups, group] if group else groups


def _save(settings: Settings, items: list[EmailMessageItem]) -> None:
    with transaction(settings) as txn:
        for item in items:
            txn.save(item, condition=EmailMessageItem.PK.does_not_exist())


def _enqueue(settings: Settings, config: EmailConfig, workspace_id: str, message_ids: list[str]) -> None:
    """The worker's jobs, ten to a call; entries SQS refuses are sent again once, then it is a 500 (a keyed
    request sent again queues what is still `queued`)."""
    for start in range(0, len(message_ids), 10):
        entries = [{"Id": str(n), "MessageBody": job_body(workspace_id, mid)}
                   for n, mid in enumerate(message_ids[start:start + 10])]
        for _ in range(2):
            failed = {f["Id"] for f in _sqs(settings.region).send_message_batch(QueueUrl=config.need_queue(),
                                                                       Entries=entries).get("Failed", [])}
            entries = [entry for entry in entries if entry["Id"] in failed]
            if not entries:
                break
        if entries:
            raise RuntimeError(f"could not queue {len(entries)} emails")
