"""Notification use cases: notify (respecting preferences), list, unread count, mark read, preferences."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from leadpilot.api.cursors import decode_cursor, encode_cursor
from leadpilot.clock import now_iso
from leadpilot.db.base import CrmModel, bind_tables, transaction
from leadpilot.errors import Forbidden, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.notifications.entities import CHANNELS, TYPES, Notification
from leadpilot.notifications.models import (
    NotificationItem,
    PreferencesItem,
    UnreadCounterItem,
    inbox_pk,
    unread_gsi1pk,
)
from leadpilot.observability import metrics
from leadpilot.settings import Settings

READ_RETENTION = timedelta(days=90)
_TXN_MAX = 99  # TransactWriteItems takes 100 items: up to 99 notifications and the counter


def member_of(identity: Identity) -> str:
    """The calling user's id; notifications belong to people, so an API key is refused."""
    if identity.principal_type != "user":
        raise Forbidden("notifications belong to a user; an API key has none", {"principal_type": "api_key"})
    return identity.principal_id


def to_notification(item: NotificationItem) -> Notification:
    return Notification(id=item.notification_id, type=item.type, title=item.title, body=item.body, link=item.link,
                        created_at=item.created_at, read_at=item.read_at)


def _counter(workspace_id: str, user_id: str) -> UnreadCounterItem:
    return UnreadCounterItem(inbox_pk(workspace_id, user_id), "UNREAD")


def _count(txn: TransactWrite, workspace_id: str, user_id: str, delta: int) -> None:
    txn.update(_counter(workspace_id, user_id), actions=[UnreadCounterItem.unread.add(delta),
                                                         UnreadCounterItem.kind.set(UnreadCounterItem)])


def preferences(workspace_id: str, user_id: str) -> dict[str, dict[str, bool]]:
    """Every type's channels, stored choices over the default (on)."""
    stored: dict[str, Any] = {}
    try:
        raw = PreferencesItem.get(inbox_pk(workspace_id, user_id), "PREFS", consistent_read=True).prefs
        stored = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    except DoesNotExist:
        pass
    return {t: {c: bool(stored.get(t, {}).get(c, True)) for c in CHANNELS} for t in TYPES}


def update_preferences(identity: Identity, changes: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """Merge the sent types/channels into the caller's preferences in this workspace."""
    user_id = member_of(identity)
    merged = preferences(identity.workspace_id, user_id)
    for kind, channels in changes.items():
        merged[kind].update(channels)
    PreferencesItem(inbox_pk(identity.workspace_id, user_id), "PREFS", prefs=merged).save()
    return merged


def add_to(txn: TransactWrite, workspace_id: str, user_id: str, type: str, title: str, body: str | None = None,
           link: str | None = None) -> Notification | None:
    """Add a notification and its counter increment to a caller's transaction, unless the user switched
    this type off (then None). At most one per user per transaction: the counter is one item."""
    if type not in TYPES:
        raise ValueError(f"unknown notification type {type!r}; add it to leadpilot.notifications.entities.TYPES")
    if not preferences(workspace_id, user_id)[type]["in_app"]:
        return None
    notification_id = new_id()
    item = NotificationItem(inbox_pk(workspace_id, user_id), f"NOTIF#{notification_id}",
                            notification_id=notification_id, workspace_id=workspace_id, user_id=user_id, type=type,
                            title=title[:200], body=body[:1000] if body else None, link=link, created_at=now_iso(),
                            GSI1PK=unread_gsi1pk(workspace_id, user_id), GSI1SK=f"NOTIF#{notification_id}")
    txn.save(item, condition=NotificationItem.PK.does_not_exist())
    _count(txn, workspace_id, user_id, 1)
    return to_notification(item)


def notify(settings: Settings, workspace_id: str, user_id: str, type: str, title: str, body: str | None = None,
           link: str | None = None) -> Notification | None:
    """Send an in-app notification to a member, respecting their preferences; None when switched off."""
    bind_tables(settings)
    with transaction(settings) as txn:
        sent = add_to(txn, workspace_id, user_id, type, title, body, link)
    if sent is not None:
        metrics.add_metric(name="NotificationSent", unit="Count", value=1)
    return sent


def list_notifications(identity: Identity, limit: int, cursor: str | None) -> tuple[list[Notification], str | None]:
    """The caller's notifications, newest first."""
    pk, after = inbox_pk(identity.workspace_id, member_of(identity)), decode_cursor(cursor)
    kwargs: dict[str, Any] = {"limit": limit + 1, "scan_index_forward": False, "consistent_read": True}
    if after is not None:
        kwargs["last_evaluated_key"] = {"PK": {"S": pk}, "SK": {"S": f"NOTIF#{after}"}}
    items = list(NotificationItem.query(pk, NotificationItem.SK.startswith("NOTIF#"), **kwargs))
    more, items = len(items) > limit, items[:limit]
    return [to_notification(i) for i in items], encode_cursor(items[-1].notification_id) if more and items else None


def unread_count(identity: Identity) -> int:
    """The maintained counter (one GetItem, never a count)."""
    try:
        item = UnreadCounterItem.get(inbox_pk(identity.workspace_id, member_of(identity)), "UNREAD",
                                     consistent_read=True)
    except DoesNotExist:
        return 0
    return max(int(item.unread), 0)


def _read_actions(now: datetime) -> list[Any]:
    expires = int((now + READ_RETENTION).timestamp())
    return [NotificationItem.read_at.set(now.isoformat(timespec="milliseconds").replace("+00:00", "Z")),
            NotificationItem.expires_at.set(expires), NotificationItem.GSI1PK.remove(),
            NotificationItem.GSI1SK.remove()]


def _mark(settings: Settings, ws: str, user_id: str, items: list[NotificationItem], now: datetime) -> bool:
    """Mark these unread notifications read and lower the counter by as many, atomically."""
    try:
        with transaction(settings) as txn:
            for item in items:
                txn.update(item, actions=_read_actions(now), condition=NotificationItem.read_at.does_not_exist())
            _count(txn, ws, user_id, -len(items))
    except TransactWriteError as exc:
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            return False  # one was read meanwhile (or is gone): nothing changed
        raise
    return True


def mark_read(settings: Settings, identity: Identity, notification_id: str) -> Notification:
    """Mark one notification read; reading it again changes nothing."""
    user_id = member_of(identity)
    try:
        item = NotificationItem.get(inbox_pk(identity.workspace_id, user_id), f"NOTIF#{notification_id}",
                                    consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("notification not found", {"field": "notification_id"}) from exc
    if item.read_at is None:
        _mark(settings, identity.workspace_id, user_id, [item], datetime.now(UTC))
        item.refresh(consistent_read=True)
    return to_notification(item)


def mark_all_read(settings: Settings, identity: Identity) -> int:
    """Mark every unread notification read (walks the sparse unread index); returns how many."""
    ws, user_id, now = identity.workspace_id, member_of(identity), datetime.now(UTC)
    unread = [i for i in CrmModel.gsi1.query(unread_gsi1pk(ws, user_id)) if isinstance(i, NotificationItem)]
    marked = 0
    for start in range(0, len(unread), _TXN_MAX):
        chunk = unread[start:start + _TXN_MAX]
        if _mark(settings, ws, user_id, chunk, now):
            marked += len(chunk)
            continue
        for item in chunk:  # a concurrent read touched the chunk: fall back to one at a time
            marked += _mark(settings, ws, user_id, [item], now)
    return marked
