"""Reading emails back: one message with its outcomes, and (sandbox only) what the local SES captured."""
from __future__ import annotations

import email
from email import policy
from typing import Any

from leadpilot.email import mime, outcomes
from leadpilot.email.models import EmailMessageItem
from leadpilot.email.provider import captured
from leadpilot.errors import NotFound


def message_view(item: EmailMessageItem) -> dict[str, Any]:
    """A message as the API shows it (the rendered HTML is left out: the dev route shows what was sent)."""
    return {"id": item.message_id, "contact_id": item.contact_id, "to": item.to, "from": item.from_email,
            "subject": item.subject, "status": item.status, "reason": item.reason, "flow_id": item.flow_id,
            "node": item.node, "run_id": item.run_id, "created_at": item.created_at, "sent_at": item.sent_at,
            "delivered_at": item.delivered_at, "opened_at": item.opened_at, "clicked_at": item.clicked_at,
            "replied_at": item.replied_at, "bounced_at": item.bounced_at, "unsubscribed_at": item.unsubscribed_at,
            "opens": int(item.opens), "machine_opens": int(item.machine_opens), "clicks": int(item.clicks)}


def get_message(workspace_id: str, message_id: str) -> dict[str, Any]:
    item = outcomes.get_message(workspace_id, message_id)
    if item is None:
        raise NotFound("email not found", {"field": "message_id"})
    return message_view(item)


def captured_for(workspace_id: str, limit: int) -> list[dict[str, Any]]:
    """The raw messages the local SES accepted that belong to the workspace, newest first, parsed."""
    out: list[dict[str, Any]] = []
    for raw in reversed(captured()):
        message = email.message_from_string(str(raw.get("raw_data") or ""), policy=policy.default)
        ids = mime.ids_in_references(str(message.get("Message-ID") or ""))
        if not ids or ids[0][0] != workspace_id:
            continue
        text = message.get_body(preferencelist=("plain",))
        body = message.get_body(preferencelist=("html",))
        out.append({"provider_message_id": raw.get("id"), "message_id": ids[0][1],
                    "from": str(message.get("From")), "to": str(message.get("To")),
                    "subject": str(message.get("Subject")), "reply_to": str(message.get("Reply-To")),
                    "message_id_header": str(message.get("Message-ID")),
                    "list_unsubscribe": message.get("List-Unsubscribe"),
                    "list_unsubscribe_post": message.get("List-Unsubscribe-Post"),
                    "text": text.get_content() if text is not None else None,
                    "html": body.get_content() if body is not None else None})
        if len(out) >= limit:
            break
    return out
