"""Items of the notifications capability (CRM table). One partition per member per workspace."""
from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


def inbox_pk(workspace_id: str, user_id: str) -> str:
    return f"WS#{workspace_id}#USER#{user_id}#NOTIFS"


def unread_gsi1pk(workspace_id: str, user_id: str) -> str:
    return f"WS#{workspace_id}#USER#{user_id}#UNREAD"


class NotificationItem(CrmModel, discriminator="notification"):
    """PK: WS#<ws>#USER#<user_id>#NOTIFS  SK: NOTIF#<notification_id> (ULID: a reverse Query is newest first).

    GSI1 (sparse, only while unread): WS#<ws>#USER#<user_id>#UNREAD / NOTIF#<id>, what mark-all-read walks.
    TTL: expires_at is set when the notification is read (unread ones never expire, so the count stays exact).
    """

    notification_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    type = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute(null=True)
    link = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    read_at = UnicodeAttribute(null=True)


class UnreadCounterItem(CrmModel, discriminator="notification_unread"):
    """PK: WS#<ws>#USER#<user_id>#NOTIFS  SK: UNREAD.

    `unread` moves with UpdateItem ADD in the same transaction that creates or reads a notification.
    """

    unread = NumberAttribute(default=0)


class PreferencesItem(CrmModel, discriminator="notification_prefs"):
    """PK: WS#<ws>#USER#<user_id>#NOTIFS  SK: PREFS. prefs: {<type>: {"in_app": bool}}; missing means on."""

    prefs = MapAttribute(default=dict)  # type: ignore[var-annotated]
