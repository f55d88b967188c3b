"""The send path: validate and render, record the message (`queued`), queue it; the worker sends it once.

Every email — one sent from the API and one a flow (or a sequence) sends — goes through `_queue` and the
worker (`email.worker.deliver_batch`), so suppression, do-not-contact, idempotency and the outcome events are
the same for all.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from pynamodb.exceptions import PutError

from leadpilot import request_context, usage
from leadpilot.clock import now_iso
from leadpilot.contact_points import normalize_email
from leadpilot.contacts import store as contacts_store
from leadpilot.contacts.entities import Contact
from leadpilot.email import outcomes, senders, suppression
from leadpilot.email.config import MAX_BODY_BYTES, EmailConfig
from leadpilot.email.content import escape_value, render_email
from leadpilot.email.models import EmailMessageItem
from leadpilot.email.provider import EmailProvider
from leadpilot.errors import Conflict, NotFound, ValidationFailed
from leadpilot.identity import store as identity_store
from leadpilot.identity import suspension
from leadpilot.ids import crockford, new_id
from leadpilot.messages.templates import render
from leadpilot.observability import metrics
from leadpilot.settings import Settings

# The flow template syntax ({{contact.x}}, {{vars.x}}, {{trigger.data.x}}, {{nodes.n.x}}), as the runtime's.
_FLOW_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*(?:\|([^{}]*))?\}\}")
MAX_SUBJECT = 300


@dataclass(frozen=True)
class Queued:
    """A message accepted for sending (or skipped, with the reason)."""

    message_id: str
    status: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.message_id, "status": self.status, "reason": self.reason}


@lru_cache(maxsize=4)
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


def key_id(key: str) -> str:
    """A ULID-shaped digest of an idempotency key: the same key always names the same message."""
    value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big") >> 3  # first char 0-7, like a ULID
    return crockford(value)


def _context(workspace_id: str, contact: Mapping[str, Any], variables: Mapping[str, Any],
             business_name: str | None = None) -> dict[str, Any]:
    """The template context; `business_name` when the caller has it (an API request's identity), else read."""
    if business_name is None:
        item = identity_store.get_workspace_item(workspace_id)
        business_name = item.name if item else ""
    return {"contact": dict(contact), "workspace": {"business_name": business_name}, "vars": dict(variables)}


def _flow_text(text: str, context: Mapping[str, Any], escape: bool) -> str:
    """A flow's template filled from the run's context (values escaped for markdown when `escape`)."""
    def value(match: re.Match[str]) -> str:
        current: Any = context
        for part in match.group(1).split("."):
            current = current.get(part) if isinstance(current, Mapping) else None
        text = match.group(2) or "" if current in (None, "") else str(current)
        return escape_value(text) if escape else text
    return _FLOW_TEMPLATE.sub(value, text)


def _subject(text: str) -> str:
    subject = " ".join(text.split())
    if not subject:
        raise ValidationFailed.field("subject", "is empty once its variables are filled in")
    if len(subject) > MAX_SUBJECT:
        raise ValidationFailed.field("subject", f"is longer than {MAX_SUBJECT} characters once rendered")
    return subject


def _check_body_size(body: str) -> None:
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed.field("body", f"is larger than {MAX_BODY_BYTES} bytes")


def _address(contact: Contact) -> str:
    if not contact.email:
        raise ValidationFailed.field("contact_id", "the contact has no email address")
    return normalize_email(contact.email, "to")


def _reachable(workspace_id: str, contact: Contact, address: str) -> str | None:
    """Why the contact may not be emailed now (do_not_contact, or a suppressed address), else None."""
    if contact.do_not_contact:
        return "do_not_contact"
    reason = suppression.is_suppressed(workspace_id, address)
    return f"suppressed:{reason}" if reason else None


def load_contact(workspace_id: str, contact_id: str) -> Contact:
    item = contacts_store.get_item(workspace_id, contact_id)
    if item is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    return contacts_store.to_contact(item)


def send_to_contact(settings: Settings, config: EmailConfig, provider: EmailProvider, workspace_id: str,
                    body: dict[str, Any], business_name: str | None = None) -> Queued:
    """POST /emails: render the markdown template for the contact and queue it (422/409 and nothing stored)."""
    _check_body_size(body["body"])
    contact = load_contact(workspace_id, body["contact_id"])
    address = _address(contact)
    context = _context(workspace_id, contact.to_dict(), body.get("variables") or {}, business_name)
    subject = _subject(render(body["subject"], context, "subject"))
    content = render_email(body["body"], context, "body")
    blocked = _reachable(workspace_id, contact, address)
    if blocked:
        raise Conflict(f"the contact may not be emailed ({blocked})", {"field": "contact_id", "reason": blocked})
    sender = senders.require_sender(settings, workspace_id, provider)
    message_id = key_id(f"{workspace_id}|api|{body['idempotency_key']}") if body.get("idempotency_key") else None
    return _queue(settings, config, workspace_id, contact, address, sender, subject, content.html, content.text,
                  message_id=message_id, from_name=body.get("from_name"))


def send_for_flow(settings: Settings, config: EmailConfig, provider: EmailProvider, workspace_id: str,
                  contact_id: str, node_config: Mapping[str, Any], run_context: Mapping[str, Any], *,
                  flow_id: str, node: str, run_id: str, idempotency_key: str) -> Queued:
    """A flow's send_email action: the same path, keyed by the action (a redelivery queues nothing more).

    Do-not-contact and suppressed addresses are skipped (`status: skipped`), not errors: the run goes on.
    """
    contact = load_contact(workspace_id, contact_id)
    address = _address(contact)
    message_id = key_id(f"{workspace_id}|flow|{idempotency_key}")
    existing = outcomes.get_message(workspace_id, message_id)
    if existing is not None:
        if existing.status == "queued":  # queued before a crash: make sure the worker has it
            _enqueue(settings, config, workspace_id, message_id)
        return Queued(message_id, existing.status, existing.reason)
    blocked = _reachable(workspace_id, contact, address)
    if blocked:
        return Queued(message_id, "skipped", blocked)
    context = {**run_context, "contact": {**dict(run_context.get("contact") or {}), **contact.to_dict()},
               "workspace": _context(workspace_id, {}, {})["workspace"]}
    _check_body_size(str(node_config["body"]))
    subject = _subject(_flow_text(str(node_config["subject"]), context, escape=False))
    content = render_email(_flow_text(str(node_config["body"]), context, escape=True), {}, "body")
    sender = senders.require_sender(settings, workspace_id, provider)
    try:
        return _queue(settings, config, workspace_id, contact, address, sender, subject, content.html,
                      content.text, message_id=message_id, from_name=node_config.get("from_name"),
                      flow=(flow_id, node, run_id))
    except usage.LimitReached as exc:  # an outcome of the step (as for texts): visible in the run's log
        return Queued(message_id, "skipped", f"usage_limit_reached: {exc.message}")


def send_notice(settings: Settings, config: EmailConfig, provider: EmailProvider, workspace_id: str,
                contact_id: str, subject: str, markdown: str, variables: Mapping[str, Any], *, idempotency_key: str,
                attachments: tuple[dict[str, str], ...] = ()) -> Queued:
    """A message the product sends about the contact's own business (a booking confirmation), a template over
    `{{vars.*}}` (values escaped): the same path, keyed so a retry queues nothing more; no sender yet,
    do-not-contact or suppressed is `skipped`, not an error."""
    contact = load_contact(workspace_id, contact_id)
    address = _address(contact)
    message_id = key_id(f"{workspace_id}|notice|{idempotency_key}")
    blocked = _reachable(workspace_id, contact, address)
    sender = senders.sender_for(settings, workspace_id, provider)
    if blocked or sender is None or sender.status != "verified":
        return Queued(message_id, "skipped", blocked or "no_verified_sender")
    context = {"vars": dict(variables)}
    content = render_email(markdown, context, "body")
    try:
        return _queue(settings, config, workspace_id, contact, address, sender,
                      _subject(render(subject, context, "subject")), content.html,
                      content.text, message_id=message_id, from_name=None, attachments=attachments)
    except (usage.LimitReached, suspension.WorkspaceSuspended) as exc:
        return Queued(message_id, "skipped", f"{exc.code}: {exc.message}")


def _queue(settings: Settings, config: EmailConfig, workspace_id: str, contact: Contact, address: str,
           sender: senders.Sender, subject: str, html: str, text: str, *, message_id: str | None,
           from_name: str | None, flow: tuple[str, str, str] | None = None,
           attachments: tuple[dict[str, str], ...] = ()) -> Queued:
    keyed = message_id is not None
    message_id = message_id or new_id()
    name = from_name or sender.name
    check_from_name(name)
    suspension.refuse_if_suspended(workspace_id)  # 403 workspace_suspended: nothing is queued or charged
    if not keyed or outcomes.get_message(workspace_id, message_id) is None:  # a new id is a new message
        # 429 over the plan; keyed by the message, so a retry after a crash before the save is charged once
        charged: usage.Charge | None = usage.charge(settings, workspace_id, "emails", 1,
                                                    **usage.email_charge(message_id))
    else:
        charged = None  # the same send again (idempotency key): it was charged the first time
    item = new_message(workspace_id, message_id, contact.id, address, sender, name, subject, html, text,
                       attachments=json.dumps(list(attachments)) if attachments else None,
                       flow_id=flow[0] if flow else None, node=flow[1] if flow else None,
                       run_id=flow[2] if flow else None, charged_at=charged.at if charged else None)
    try:
        item.save(condition=EmailMessageItem.PK.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            # A new id will never be sent again: give its charge back. A keyed send (a flow's action) is retried
            # with the same id, whose charge is then a repeat: it keeps this one
            if charged is not None and not keyed:
                usage.refund(settings, workspace_id, "emails", 1, charged_at=charged.at,
                             **usage.email_refund(message_id))
            raise
        # The same message saved meanwhile: it holds the charge (one key, one charge), so nothing is refunded
        existing = outcomes.get_message(workspace_id, message_id)
        assert existing is not None
        return Queued(message_id, existing.status, existing.reason)
    _enqueue(settings, config, workspace_id, message_id)
    metrics.add_metric(name="EmailQueued", unit="Count", value=1)
    return Queued(message_id, "queued")


def check_from_name(name: str | None) -> None:
    """422 for a display name that could break the From header."""
    if name and any(ord(ch) < 32 for ch in name):
        raise ValidationFailed.field("from_name", "may not contain line breaks or control characters")


def new_message(workspace_id: str, message_id: str, contact_id: str, address: str, sender: senders.Sender,
                from_name: str | None, subject: str, html: str, text: str, **extra: Any) -> EmailMessageItem:
    """A `queued` message as every send path stores it (`extra`: its flow, attachments, charge)."""
    return EmailMessageItem(outcomes.message_pk(workspace_id, message_id), "MSG", message_id=message_id,
                            workspace_id=workspace_id, contact_id=contact_id, to=address, from_email=sender.email,
                            from_name=from_name, subject=subject, html=html, text=text, status="queued",
                            created_at=now_iso(), impersonation=request_context.carried(),
                            GSI1PK=f"WS#{workspace_id}#EMAILS", GSI1SK=message_id, **extra)


def job_body(workspace_id: str, message_id: str) -> str:
    """The send queue's message for one email (read by the worker's `on_send`)."""
    return json.dumps({"workspace_id": workspace_id, "message_id": message_id})


def _enqueue(settings: Settings, config: EmailConfig, workspace_id: str, message_id: str) -> None:
    _sqs(settings.region).send_message(QueueUrl=config.need_queue(), MessageBody=job_body(workspace_id, message_id))
