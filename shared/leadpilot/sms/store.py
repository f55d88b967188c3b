"""Data access of texts and conversations: items <-> dicts, the thread and inbox writes, SMS events."""
from __future__ import annotations

import json
from typing import Any

from pynamodb.transactions import TransactWrite

from leadpilot import request_context
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import NotFound
from leadpilot.events.record import event_item
from leadpilot.sms.models import ConversationItem, SmsMessageItem, UnreadTotalItem

FINAL = frozenset({"sent", "delivered", "undelivered", "failed", "blocked", "cancelled", "received"})
PREVIEW_CHARS = 160


def message_pk(workspace_id: str, message_id: str) -> str:
    return f"WS#{workspace_id}#SMS#{message_id}"


def thread_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#THREAD#{contact_id}"


def conversations_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#CONVERSATIONS"


def get_item(workspace_id: str, message_id: str) -> SmsMessageItem | None:
    try:
        return SmsMessageItem.get(message_pk(workspace_id, message_id), "MESSAGE", consistent_read=True)
    except SmsMessageItem.DoesNotExist:
        return None


def get_message(workspace_id: str, message_id: str) -> dict[str, Any]:
    item = get_item(workspace_id, message_id)
    if item is None:
        raise NotFound("message not found", {"field": "message_id"})
    return to_dict(item)


def to_dict(item: SmsMessageItem) -> dict[str, Any]:
    """The API shape of a text."""
    return {"id": item.message_id, "contact_id": item.contact_id, "direction": item.direction, "to": item.to,
            "from": item.from_, "body": item.body, "status": item.status, "provider_status": item.provider_status,
            "provider_sid": item.provider_sid, "error_code": item.error_code, "error_message": item.error_message,
            "segments": int(item.segments or 0), "encoding": item.encoding, "source": item.source,
            "purpose": item.purpose, "send_at": item.send_at, "deferred": bool(item.deferred),
            "keyword": item.keyword, "created_at": item.created_at, "updated_at": item.updated_at,
            "sent_at": item.sent_at, "delivered_at": item.delivered_at}


def new_item(workspace_id: str, message_id: str, contact_id: str, **values: Any) -> SmsMessageItem:
    """A text item with its thread index set (and the impersonation it is asked for during, if any: the worker's
    events about it name the admin and the user too)."""
    return SmsMessageItem(message_pk(workspace_id, message_id), "MESSAGE", message_id=message_id,
                          workspace_id=workspace_id, contact_id=contact_id, GSI1PK=thread_pk(workspace_id, contact_id),
                          GSI1SK=message_id, impersonation=request_context.carried(), **values)


def touch_conversation(txn: TransactWrite, item: SmsMessageItem, *, unread: bool) -> None:
    """Move the contact's conversation to the top of the inbox with this text (and count it unread)."""
    conversation = ConversationItem(conversations_pk(item.workspace_id), f"CONTACT#{item.contact_id}")
    inbound = item.direction == "inbound"
    c = ConversationItem
    actions: list[Any] = [c.kind.set(ConversationItem), c.contact_id.set(item.contact_id),
               c.last_message_id.set(item.message_id), c.last_message_at.set(item.created_at),
               c.last_direction.set(item.direction), c.last_body.set(item.body[:PREVIEW_CHARS]),
               c.GSI1PK.set(f"WS#{item.workspace_id}#INBOX"), c.GSI1SK.set(item.message_id),
               (c.inbound if inbound else c.outbound).add(1)]
    actions.append(ConversationItem.unread.add(1 if unread else 0))  # ADD 0 creates the counter
    if unread:
        txn.update(UnreadTotalItem(conversations_pk(item.workspace_id), "UNREAD"),
                   actions=[UnreadTotalItem.unread.add(1), UnreadTotalItem.kind.set(UnreadTotalItem)])
    txn.update(conversation, actions=actions)


def conversation(workspace_id: str, contact_id: str) -> ConversationItem | None:
    try:
        return ConversationItem.get(conversations_pk(workspace_id), f"CONTACT#{contact_id}", consistent_read=True)
    except ConversationItem.DoesNotExist:
        return None


def actor_of(item: SmsMessageItem) -> dict[str, str]:
    return json.loads(item.actor) if item.actor else {"type": "system", "id": "sms"}


def sms_event(item: SmsMessageItem, event_type: str, actor: dict[str, str], **extra: Any) -> ActivityItem:
    """A domain event about a text, on its contact's timeline (`data.contact_id`, as triggers read it)."""
    data: dict[str, Any] = {"message_id": item.message_id, "contact_id": item.contact_id,
                            "direction": item.direction, "to": item.to, "from": item.from_, "body": item.body,
                            "segments": int(item.segments or 0), "provider_sid": item.provider_sid, **extra}
    with request_context.resumed(request_context.from_carried(item.impersonation)):
        return event_item(item.workspace_id, actor, event_type, data, contact_id=item.contact_id)
