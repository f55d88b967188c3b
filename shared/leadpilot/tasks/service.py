"""Task use cases: create, get, update (completing a recurring task schedules its next occurrence),
delete and the views. Every change is one transaction with its view rows, reminders and events."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.api import cursors
from leadpilot.contacts import store as contacts
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.notifications.service import add_to
from leadpilot.observability import metrics
from leadpilot.settings import Settings
from leadpilot.tasks import store
from leadpilot.tasks.entities import Task
from leadpilot.tasks.fields import parse_bound, task_fields, utc
from leadpilot.tasks.timing import next_occurrence

VIEWS = ("mine", "team", "overdue")


@dataclass
class Change:
    """A unit of work: task changes (before, after), the events they raise, the assignments to notify."""

    identity: Identity
    now: datetime
    tasks: list[tuple[Task | None, Task | None]] = field(default_factory=list)
    events: list[ActivityItem] = field(default_factory=list)
    assigned: list[Task] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)

    def record(self, before: Task | None, after: Task | None, event_type: str, metric: str,
               changes: dict[str, Any] | None = None, notify: bool = True) -> None:
        task = after or before
        assert task is not None
        self.tasks.append((before, after))
        self.events.append(event_item(task.workspace_id, self.identity.actor(), event_type, task.to_dict(), changes,
                                      contact_id=task.contact_id))
        self.metrics.append(metric)
        newly = after is not None and after.assignee_id not in (None, before.assignee_id if before else None)
        if notify and newly and after is not None and after.assignee_id != self.identity.principal_id \
                and not after.finished:
            self.assigned.append(after)

    def commit(self, settings: Settings) -> None:
        try:
            with transaction(settings) as txn:
                for before, after in self.tasks:
                    store.stage(txn, before, after, self.now)
                for event in self.events:
                    txn.save(event, condition=ActivityItem.PK.does_not_exist())
                for task in self.assigned:
                    add_to(txn, task.workspace_id, task.assignee_id or "", "task_assigned",
                           f"Assigned to you: {task.title}", task.description, f"/tasks/{task.id}")
        except TransactWriteError as exc:
            conflict = store.conflict_from(exc)
            if conflict is not None:
                raise conflict from exc
            raise
        for name in self.metrics:
            metrics.add_metric(name=name, unit="Count", value=1)
        publish_now(settings, self.events)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def create_task(settings: Settings, identity: Identity, body: dict[str, Any], now: datetime | None = None) -> Task:
    """Create a task; due time, assignee, related record and recurrence are checked first."""
    now = _now(now)
    stamp = utc(now)
    task = Task(id=new_id(), workspace_id=identity.workspace_id, created_by=identity.actor(), created_at=stamp,
                updated_at=stamp, **task_fields(identity, body))
    if task.finished:
        task = task.with_(completed_at=stamp)
    change = Change(identity, now)
    change.record(None, task, "task.created", "TaskCreated")
    change.commit(settings)
    return task


def get_task(identity: Identity, task_id: str) -> Task:
    item = store.get_item(identity.workspace_id, task_id)
    if item is None:
        raise NotFound("task not found", {"field": "task_id"})
    return store.to_task(item)


def apply_update(change: Change, before: Task, fields: dict[str, Any]) -> Task:
    """Stage an update of one task into a unit of work; completing it may stage the next occurrence."""
    stamp = utc(change.now)
    after = before.with_(**fields)
    diff = {k: {"from": getattr(before, k), "to": getattr(after, k)} for k in fields
            if getattr(before, k) != getattr(after, k) and k != "series_start"}
    if not diff:
        return before
    after = after.with_(updated_at=stamp, version=before.version + 1)
    completing = after.finished and not before.finished
    follower = _next_occurrence(after, change.now) if completing else None
    if completing:
        after = after.with_(completed_at=stamp,
                            next_occurrence_id=follower.id if follower else after.next_occurrence_id)
    elif before.finished and not after.finished:
        after = after.with_(completed_at=None)
    change.record(before, after, "task.completed" if completing else "task.updated",
                  "TaskCompleted" if completing else "TaskUpdated", diff)
    if follower is not None:
        change.record(None, follower, "task.created", "TaskCreated", notify=False)
    return after


def _next_occurrence(done: Task, now: datetime) -> Task | None:
    """The next task of a recurring series (once per completed occurrence)."""
    if not done.recurrence or not done.due_at or not done.series_start or done.next_occurrence_id:
        return None
    due = next_occurrence(done.recurrence, done.series_start, done.due_at, done.timezone, now)
    if due is None:
        return None
    stamp = utc(now)
    return done.with_(id=new_id(), status="open", due_at=due, completed_at=None, next_occurrence_id=None,
                      previous_occurrence_id=done.id, created_at=stamp, updated_at=stamp, version=1)


def update_task(settings: Settings, identity: Identity, task_id: str, body: dict[str, Any],
                now: datetime | None = None) -> Task:
    """Partial update; null clears a field. Setting status 'done' completes the task."""
    before = get_task(identity, task_id)
    change = Change(identity, _now(now))
    after = apply_update(change, before, task_fields(identity, body, before))
    if change.tasks:
        change.commit(settings)
    return after


def delete_task(settings: Settings, identity: Identity, task_id: str, now: datetime | None = None) -> None:
    """Delete a task with its view rows and pending reminders."""
    before = get_task(identity, task_id)
    change = Change(identity, _now(now))
    change.record(before, None, "task.deleted", "TaskDeleted")
    change.commit(settings)


def list_tasks(identity: Identity, view: str | None, due_after: str | None, due_before: str | None, limit: int,
               cursor: str | None, now: datetime | None = None) -> tuple[list[Task], str | None]:
    """Unfinished tasks of a view, soonest due first (undated last): mine (assigned to me, or created by me and
    unassigned), the team's, or the team's overdue."""
    view = view or ("mine" if identity.principal_type == "user" else "team")
    if view not in VIEWS:
        raise ValidationFailed.field("view", "must be one of mine, team, overdue")
    if view == "mine" and identity.principal_type != "user":
        raise ValidationFailed.field("view", "an API key has no tasks of its own; use view=team")
    low, high = parse_bound(identity, due_after, "due_after"), parse_bound(identity, due_before, "due_before")
    if view == "overdue":
        high = min(high or utc(_now(now)), utc(_now(now)))
    if low and high and low >= high:
        raise ValidationFailed.field("due_after", "must be before due_before")
    pk = store.view_pk(identity.workspace_id, identity.principal_id if view == "mine" else None)
    ids, next_cursor = store.view_page(pk, low, high, limit, store.decode_cursor(cursor))
    found = store.get_tasks(identity.workspace_id, ids)
    return [found[i] for i in ids if i in found], next_cursor


def contact_tasks(identity: Identity, contact_id: str, limit: int, cursor: str | None) -> tuple[list[Task], str | None]:
    """Every task related to a contact (open and done), newest first: what its profile shows."""
    tasks, next_cursor = store.contact_page(identity.workspace_id, contact_id, limit, cursors.decode_cursor(cursor))
    if not tasks and cursor is None and contacts.get_item(identity.workspace_id, contact_id) is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    return tasks, next_cursor
