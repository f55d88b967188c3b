"""The SMS inbox: one conversation per contact, most recent first, with unread counts."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.api.cursors import decode_cursor, take_page
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import CrmModel
from leadpilot.errors import NotFound
from leadpilot.sms import store as sms_store
from leadpilot.sms.models import ConversationItem, SmsMessageItem, UnreadTotalItem


def _require_contact(workspace_id: str, contact_id: str) -> None:
    if contacts_store.get_item(workspace_id, contact_id) is None:
        raise NotFound("contact not found", {"field": "contact_id"})


def _conversation_dict(item: ConversationItem) -> dict[str, Any]:
    return {"contact_id": item.contact_id, "last_message_id": item.last_message_id,
            "last_message_at": item.last_message_at, "last_direction": item.last_direction,
            "last_body": item.last_body, "unread": int(item.unread or 0), "inbound": int(item.inbound or 0),
            "outbound": int(item.outbound or 0), "opted_out": bool(item.opted_out), "last_read_at": item.last_read_at}


def total_unread(workspace_id: str) -> int:
    try:
        return max(0, int(UnreadTotalItem.get(sms_store.conversations_pk(workspace_id), "UNREAD").unread or 0))
    except UnreadTotalItem.DoesNotExist:
        return 0


def list_conversations(workspace_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Conversations by their latest text, newest first, and the unread total."""
    after = decode_cursor(cursor)
    condition = after > CrmModel.GSI1SK if after else None
    found = CrmModel.gsi1.query(f"WS#{workspace_id}#INBOX", condition, scan_index_forward=False,
                                page_size=limit + 1)
    items, next_cursor = take_page((i for i in found if isinstance(i, ConversationItem)), limit,
                                   lambda item: str(item.last_message_id))
    return {"items": [_conversation_dict(i) for i in items], "next_cursor": next_cursor,
            "unread_total": total_unread(workspace_id)}


def thread(workspace_id: str, contact_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """A contact's texts, newest first, a page at a time."""
    _require_contact(workspace_id, contact_id)
    after = decode_cursor(cursor)
    condition = after > CrmModel.GSI1SK if after else None
    found = CrmModel.gsi1.query(sms_store.thread_pk(workspace_id, contact_id), condition, scan_index_forward=False,
                                page_size=limit + 1)
    items, next_cursor = take_page((i for i in found if isinstance(i, SmsMessageItem)), limit,
                                   lambda item: str(item.message_id))
    convo = sms_store.conversation(workspace_id, contact_id)
    return {"items": [sms_store.to_dict(i) for i in items], "next_cursor": next_cursor,
            "unread": int(convo.unread or 0) if convo else 0}


def mark_read(workspace_id: str, contact_id: str, now_iso: str) -> dict[str, Any]:
    """Mark a contact's conversation read; the unread total drops by what it had."""
    _require_contact(workspace_id, contact_id)
    for _ in range(5):
        convo = sms_store.conversation(workspace_id, contact_id)
        if convo is None:
            break
        was = int(convo.unread or 0)
        try:  # conditional on the count read, so a text arriving meanwhile is not lost from the total
            convo.update(actions=[ConversationItem.unread.set(0), ConversationItem.last_read_at.set(now_iso)],
                         condition=ConversationItem.unread == was)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                continue
            raise
        if was:
            UnreadTotalItem(sms_store.conversations_pk(workspace_id), "UNREAD").update(
                actions=[UnreadTotalItem.unread.add(-was), UnreadTotalItem.kind.set(UnreadTotalItem)])
        break
    return {"contact_id": contact_id, "unread": 0, "unread_total": total_unread(workspace_id)}


def messages_for(workspace_id: str, contact_id: str, direction: str | None = None) -> list[dict[str, Any]]:
    """Every text of a contact, oldest first (tests and the automation hook read what was queued)."""
    items = CrmModel.gsi1.query(sms_store.thread_pk(workspace_id, contact_id))
    return [sms_store.to_dict(i) for i in items
            if isinstance(i, SmsMessageItem) and (direction is None or i.direction == direction)]
