"""Per-member iCalendar feeds of open tasks, behind a secret URL (calendar apps cannot send headers)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from pynamodb.exceptions import DoesNotExist

from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables, transaction
from leadpilot.errors import Forbidden, NotFound
from leadpilot.identity.entities import Identity
from leadpilot.identity.secrets import new_opaque, same_hash, split_opaque
from leadpilot.identity.store import get_membership_item
from leadpilot.ids import new_id
from leadpilot.settings import Settings
from leadpilot.tasks import store
from leadpilot.tasks.entities import Task
from leadpilot.tasks.models import CalendarFeedItem, CalendarFeedPointerItem
from leadpilot.tasks.timing import instant

PREFIX = "lpc"
MAX_EVENTS = 500
EVENT_LENGTH = timedelta(minutes=30)


def _user(identity: Identity) -> str:
    if identity.principal_type != "user":
        raise Forbidden("a calendar feed belongs to a user; an API key has none", {"principal_type": "api_key"})
    return identity.principal_id


def _pointer(workspace_id: str, user_id: str) -> CalendarFeedPointerItem | None:
    try:
        return CalendarFeedPointerItem.get(f"WS#{workspace_id}#CALFEEDS", f"USER#{user_id}", consistent_read=True)
    except DoesNotExist:
        return None


def create_feed(settings: Settings, identity: Identity) -> dict[str, Any]:
    """A new secret feed URL for the caller (shown once); any previous one stops working."""
    user_id = _user(identity)
    feed_id = new_id()
    token, digest = new_opaque(PREFIX, feed_id)
    old = _pointer(identity.workspace_id, user_id)
    with transaction(settings) as txn:
        txn.save(CalendarFeedItem(f"CALFEED#{feed_id}", "CALFEED", feed_id=feed_id, workspace_id=identity.workspace_id,
                                  user_id=user_id, secret_hash=digest, created_at=now_iso()))
        txn.save(CalendarFeedPointerItem(f"WS#{identity.workspace_id}#CALFEEDS", f"USER#{user_id}", feed_id=feed_id))
        if old is not None:
            txn.delete(CalendarFeedItem(f"CALFEED#{old.feed_id}", "CALFEED"))
    return {"feed_id": feed_id, "token": token, "path": f"/calendar/{token}.ics"}


def feed_status(identity: Identity) -> dict[str, Any]:
    """Whether the caller has a feed URL that works, and since when; never the URL (it was shown once)."""
    pointer = _pointer(identity.workspace_id, _user(identity))
    feed = None
    if pointer is not None:
        try:
            feed = CalendarFeedItem.get(f"CALFEED#{pointer.feed_id}", "CALFEED", consistent_read=True)
        except DoesNotExist:
            feed = None
    return {"active": feed is not None, "feed_id": feed.feed_id if feed else None,
            "created_at": feed.created_at if feed else None}


def revoke_feed(settings: Settings, identity: Identity) -> None:
    """Revoke the caller's feed URL; 404 when there is none."""
    user_id = _user(identity)
    old = _pointer(identity.workspace_id, user_id)
    if old is None:
        raise NotFound("you have no calendar feed", {"field": "calendar-feed"})
    with transaction(settings) as txn:
        txn.delete(old)
        txn.delete(CalendarFeedItem(f"CALFEED#{old.feed_id}", "CALFEED"))


def _feed_owner(token: str) -> tuple[str, str]:
    """(workspace id, user id) of a live feed token; anything else is the same 404."""
    parsed = split_opaque(PREFIX, token.removesuffix(".ics"))
    missing = NotFound("calendar feed not found", {"field": "feed_token"})
    if parsed is None:
        raise missing
    feed_id, digest = parsed
    try:
        feed = CalendarFeedItem.get(f"CALFEED#{feed_id}", "CALFEED", consistent_read=True)
    except DoesNotExist as exc:
        raise missing from exc
    if not same_hash(digest, feed.secret_hash) or get_membership_item(feed.workspace_id, feed.user_id) is None:
        raise missing
    return feed.workspace_id, feed.user_id


def _event(task: Task, stamp: datetime) -> Event:
    start = instant(task.due_at or "")
    event = Event()
    event.add("uid", f"{task.id}@tasks.leadpilot")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + EVENT_LENGTH)
    event.add("summary", task.title)
    if task.description:
        event.add("description", task.description)
    event.add("categories", [f"priority:{task.priority}", f"status:{task.status}"])
    return event


def render_feed(settings: Settings, token: str, now: datetime | None = None) -> str:
    """The feed owner's unfinished tasks that have a due time, as VEVENTs in UTC (text/calendar)."""
    bind_tables(settings)
    workspace_id, user_id = _feed_owner(token)
    ids, _ = store.view_page(store.view_pk(workspace_id, user_id), None, store.NO_DUE, MAX_EVENTS, None)
    tasks = store.get_tasks(workspace_id, ids)
    calendar = Calendar()
    calendar.add("prodid", "-//LeadPilot//Tasks//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "LeadPilot tasks")
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    for task_id in ids:
        if task_id in tasks:
            calendar.add_component(_event(tasks[task_id], stamp))
    return calendar.to_ical().decode()
