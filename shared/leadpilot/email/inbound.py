"""Replies: an inbound email (raw MIME, posted by our mail relay / SES receipt rule, HMAC-signed) is matched
to the message it answers and recorded as email.replied, which resumes flows waiting for a reply."""
from __future__ import annotations

import email
import hashlib
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from leadpilot.clock import now_epoch, now_iso
from leadpilot.email import mime, outcomes
from leadpilot.email.config import EmailConfig
from leadpilot.email.feedback import first_delivery
from leadpilot.email.models import EmailMessageItem
from leadpilot.errors import Forbidden, ValidationFailed
from leadpilot.messages.signatures import verify_webhook
from leadpilot.settings import Settings

MAX_INBOUND_BYTES = 1024 * 1024
_SNIPPET = 2000


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):
        return ""
    # The reply above the quoted original is what the contact wrote.
    lines = []
    for line in content.splitlines():
        if line.startswith(">") or (line.startswith("On ") and line.rstrip().endswith("wrote:")):
            break
        lines.append(line)
    return "\n".join(lines).strip()[:_SNIPPET]


def _match(config: EmailConfig, message: EmailMessage) -> EmailMessageItem | None:
    for ws, msg in mime.ids_in_references(str(message.get("In-Reply-To") or ""), str(message.get("References") or "")):
        item = outcomes.get_message(ws, msg)
        if item is not None:
            return item
    recipients = getaddresses([str(v) for k in ("To", "Cc", "Delivered-To") for v in message.get_all(k) or []])
    for _, address in recipients:
        ids = mime.parse_reply_address(config, address)
        item = outcomes.get_message(*ids) if ids else None
        if item is not None:
            return item
    return None


def receive(settings: Settings, config: EmailConfig, raw: bytes, signature: str | None) -> dict[str, str]:
    """Verify the signature, parse, match and record the reply once; 403 for a bad signature."""
    if not any(verify_webhook(keys.webhook, raw, signature, now_epoch()) for keys in config.keys):
        raise Forbidden("missing or wrong X-LeadPilot-Signature", {"field": "X-LeadPilot-Signature"})
    if not raw.strip():
        raise ValidationFailed.field("(body)", "is empty; a MIME message is expected")
    message = email.message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.get("From"):
        raise ValidationFailed.field("From", "is required in the inbound message")
    item = _match(config, message)
    if item is None:
        return {"status": "unmatched"}
    delivery = str(message.get("Message-ID") or "") or hashlib.sha256(raw).hexdigest()
    if not first_delivery(item.workspace_id, "inbound", delivery):
        return {"status": "duplicate", "message_id": item.message_id}
    sender = parseaddr(str(message.get("From")))[1].lower()
    data = {"from": sender, "reply_subject": str(message.get("Subject") or "")[:300], "body": _text_of(message)}
    first = outcomes.record(settings, item, "email.replied", data, [EmailMessageItem.replied_at.set(now_iso())],
                            EmailMessageItem.replied_at.does_not_exist(), stat="replies")
    if not first:  # a later reply to the same message: an event again, the message's counter once
        outcomes.record(settings, item, "email.replied", data, [EmailMessageItem.replied_at.set(now_iso())],
                        EmailMessageItem.replied_at.exists())
    return {"status": "recorded", "message_id": item.message_id}
