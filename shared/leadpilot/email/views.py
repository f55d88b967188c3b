"""Reading emails back: one message with its outcomes, and (sandbox only) what the local SES captured."""
from __future__ import annotations

import email
import re
from email import policy
from typing import Any

from leadpilot.api.cursors import decode_cursor, take_page
from leadpilot.email import mime, outcomes
from leadpilot.email.models import EmailMessageItem
from leadpilot.email.provider import captured
from leadpilot.errors import NotFound

_POSITION = re.compile(r"[0-9]{9}")


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


def captured_for(workspace_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the raw messages the local SES accepted that belong to the workspace, newest first, parsed.

    The local SES only hands out its whole capture, an append-only list: a message's place in it is its cursor.
    """
    raws = captured()
    after = decode_cursor(cursor, lambda value: _POSITION.fullmatch(value))
    start = len(raws) if after is None else min(int(after), len(raws))
    views = ((index, _captured_view(workspace_id, raws[index])) for index in range(start - 1, -1, -1))
    page, next_cursor = take_page(((i, v) for i, v in views if v is not None), limit, lambda pair: f"{pair[0]:09d}")
    return [view for _, view in page], next_cursor


def _captured_view(workspace_id: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    message = email.message_from_string(str(raw.get("raw_data") or ""), policy=policy.default)
    ids = mime.ids_in_references(str(message.get("Message-ID") or ""))
    if not ids or ids[0][0] != workspace_id:
        return None
    text = message.get_body(preferencelist=("plain",))
    body = message.get_body(preferencelist=("html",))
    return {"provider_message_id": raw.get("id"), "message_id": ids[0][1],
            "from": str(message.get("From")), "to": str(message.get("To")),
            "subject": str(message.get("Subject")), "reply_to": str(message.get("Reply-To")),
            "message_id_header": str(message.get("Message-ID")),
            "list_unsubscribe": message.get("List-Unsubscribe"),
            "list_unsubscribe_post": message.get("List-Unsubscribe-Post"),
            "text": text.get_content() if text is not None else None,
            "html": body.get_content() if body is not None else None}
