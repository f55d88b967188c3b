"""Data access for tasks: the task item, its view rows and reminder items, always changed together."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from leadpilot.api import cursors
from leadpilot.db.base import CrmModel
from leadpilot.errors import Conflict
from leadpilot.tasks.entities import Task
from leadpilot.tasks.models import ReminderItem, TaskItem, TaskViewItem
from leadpilot.tasks.timing import instant, minute_bucket, shift

NO_DUE = "~"  # sorts after every digit: undated tasks come last in every view
OVERDUE = -1
_VIEW_SK = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|~)#[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def tasks_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#TASKS"


def view_pk(workspace_id: str, assignee_id: str | None = None) -> str:
    """The team view's partition, or one member's (the tasks they are responsible for)."""
    return f"WS#{workspace_id}#TASKVIEW#" + (f"USER#{assignee_id}" if assignee_id else "TEAM")


def by_contact_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#CONTACT#{contact_id}#TASKS"


def to_task(item: TaskItem) -> Task:
    related = {"type": item.related_type, "id": item.related_id} if item.related_type and item.related_id else None
    return Task(id=item.task_id, workspace_id=item.workspace_id, title=item.title, description=item.description,
                status=item.status, priority=item.priority, due_at=item.due_at, timezone=item.timezone,
                assignee_id=item.assignee_id, related_to=related, recurrence=item.recurrence,
                reminders=[int(str(m)) for m in item.reminders or []], series_start=item.series_start,
                completed_at=item.completed_at, next_occurrence_id=item.next_occurrence_id,
                previous_occurrence_id=item.previous_occurrence_id,
                created_by=dict(item.created_by.as_dict() if hasattr(item.created_by, "as_dict") else item.created_by),
                created_at=item.created_at, updated_at=item.updated_at, version=int(item.version))


def to_item(task: Task) -> TaskItem:
    related = task.related_to or {}
    contact_id = task.contact_id
    return TaskItem(tasks_pk(task.workspace_id), f"TASK#{task.id}", task_id=task.id, workspace_id=task.workspace_id,
                    title=task.title, description=task.description, status=task.status, priority=task.priority,
                    due_at=task.due_at, timezone=task.timezone, assignee_id=task.assignee_id,
                    related_type=related.get("type"), related_id=related.get("id"), recurrence=task.recurrence,
                    reminders=list(task.reminders), series_start=task.series_start, completed_at=task.completed_at,
                    next_occurrence_id=task.next_occurrence_id, previous_occurrence_id=task.previous_occurrence_id,
                    created_by=task.created_by, created_at=task.created_at, updated_at=task.updated_at,
                    version=task.version,
                    GSI1PK=by_contact_pk(task.workspace_id, contact_id) if contact_id else None,
                    GSI1SK=f"TASK#{task.id}" if contact_id else None)


def get_item(workspace_id: str, task_id: str) -> TaskItem | None:
    try:
        return TaskItem.get(tasks_pk(workspace_id), f"TASK#{task_id}", consistent_read=True)
    except DoesNotExist:
        return None


def get_tasks(workspace_id: str, task_ids: list[str]) -> dict[str, Task]:
    """Tasks by id (one BatchGetItem per 100, strongly consistent); unknown ids are absent."""
    found: dict[str, Task] = {}
    keys = [(tasks_pk(workspace_id), f"TASK#{tid}") for tid in dict.fromkeys(task_ids)]
    for start in range(0, len(keys), 100):
        for item in TaskItem.batch_get(keys[start:start + 100], consistent_read=True):
            found[item.task_id] = to_task(item)
    return found


# ---------------------------------------------------------------- view rows and reminders

def responsible_id(task: Task) -> str | None:
    """Whose 'mine' view the task is in: its assignee, or the user who created it while it is unassigned."""
    if task.assignee_id:
        return task.assignee_id
    return task.created_by.get("id") if task.created_by.get("type") == "user" else None


def _view_rows(task: Task | None) -> dict[tuple[str, str], TaskViewItem]:
    if task is None or task.finished:
        return {}
    sk = f"{task.due_at or NO_DUE}#{task.id}"
    owner = responsible_id(task)
    pks = [view_pk(task.workspace_id)] + ([view_pk(task.workspace_id, owner)] if owner else [])
    return {(pk, sk): TaskViewItem(pk, sk, task_id=task.id) for pk in pks}


def reminder_pk(workspace_id: str, task_id: str) -> str:
    return f"WS#{workspace_id}#TASK#{task_id}"


def _reminder_sk(minutes: int) -> str:
    return "REMINDER#OVERDUE" if minutes == OVERDUE else f"REMINDER#{minutes:06d}"


def _reminders(task: Task | None, now: datetime) -> dict[str, ReminderItem]:
    """The pending reminders of a task: one per offset whose time is still ahead, and the overdue marker."""
    if task is None or task.finished or task.due_at is None:
        return {}
    out: dict[str, ReminderItem] = {}
    for minutes in [*task.reminders, OVERDUE]:
        fire_at = shift(task.due_at, -max(minutes, 0))
        if instant(fire_at) <= now:
            continue
        sk = _reminder_sk(minutes)
        out[sk] = ReminderItem(reminder_pk(task.workspace_id, task.id), sk, workspace_id=task.workspace_id,
                               task_id=task.id, minutes_before=minutes, fire_at=fire_at, due_at=task.due_at,
                               GSI1PK=f"REMINDER#{minute_bucket(instant(fire_at))}",
                               GSI1SK=f"{fire_at}#{task.workspace_id}#{task.id}#{sk}")
    return out


def _reminder_keys(task: Task | None) -> set[str]:
    return {_reminder_sk(m) for m in [*task.reminders, OVERDUE]} if task is not None else set()


def _schedule_changed(before: Task | None, after: Task | None) -> bool:
    def key(t: Task | None) -> Any:
        return None if t is None else (t.due_at, tuple(t.reminders), t.finished)
    return key(before) != key(after)


def stage(txn: TransactWrite, before: Task | None, after: Task | None, now: datetime) -> None:
    """Add a task change to a transaction: the item (conditional on its version), its view rows moved, its
    pending reminders moved or deleted. `before` None creates; `after` None deletes."""
    if after is None:
        assert before is not None
        txn.delete(to_item(before), condition=TaskItem.version == before.version)
    elif before is None:
        txn.save(to_item(after), condition=TaskItem.PK.does_not_exist())
    else:
        txn.save(to_item(after), condition=TaskItem.version == before.version)
    old_rows, new_rows = _view_rows(before), _view_rows(after)
    for key in old_rows.keys() - new_rows.keys():
        txn.delete(old_rows[key])
    for key in new_rows.keys() - old_rows.keys():
        txn.save(new_rows[key])
    if not _schedule_changed(before, after):
        return
    task = after or before
    assert task is not None
    pending = _reminders(after, now)
    for sk in _reminder_keys(before) - pending.keys():
        txn.delete(ReminderItem(reminder_pk(task.workspace_id, task.id), sk))
    for item in pending.values():
        txn.save(item)


def conflict_from(exc: TransactWriteError) -> Conflict | None:
    """A Conflict when a condition failed (the task changed meanwhile), else None."""
    if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
        return Conflict("the task was changed or deleted by another request; retry",
                        {"reason": "concurrent_modification"})
    return None


# ---------------------------------------------------------------- views

def decode_cursor(cursor: str | None) -> str | None:
    """The view row a page continues after; only a sort key is carried, so it cannot reach another view."""
    return cursors.decode_cursor(cursor, _VIEW_SK.match)


def view_page(pk: str, due_from: str | None, due_before: str | None, limit: int, after: str | None
              ) -> tuple[list[str], str | None]:
    """Task ids of one view page, by due time: due_from <= due < due_before (undated tasks only when unbounded)."""
    if due_from and due_before:
        condition: Any = TaskViewItem.SK.between(due_from, due_before)
    elif due_from:
        condition = TaskViewItem.SK.between(due_from, NO_DUE)
    elif due_before:
        condition = TaskViewItem.SK.between("0", due_before)
    else:
        condition = None
    kwargs: dict[str, Any] = {"limit": limit + 1, "consistent_read": True}
    if after is not None:
        kwargs["last_evaluated_key"] = {"PK": {"S": pk}, "SK": {"S": after}}
    rows = list(TaskViewItem.query(pk, condition, **kwargs))
    more = len(rows) > limit
    rows = rows[:limit]
    return [r.task_id for r in rows], cursors.encode_cursor(rows[-1].SK) if more and rows else None


def by_contact(workspace_id: str, contact_id: str) -> list[TaskItem]:
    """Every task related to a contact (GSI1, eventually consistent)."""
    return [i for i in CrmModel.gsi1.query(by_contact_pk(workspace_id, contact_id)) if isinstance(i, TaskItem)]


def contact_page(workspace_id: str, contact_id: str, limit: int, after: str | None
                 ) -> tuple[list[Task], str | None]:
    """A page of the tasks related to a contact, newest first (GSI1, eventually consistent)."""
    pk = by_contact_pk(workspace_id, contact_id)
    kwargs: dict[str, Any] = {"limit": limit + 1, "scan_index_forward": False}
    if after is not None:
        kwargs["last_evaluated_key"] = {"GSI1PK": {"S": pk}, "GSI1SK": {"S": f"TASK#{after}"},
                                        "PK": {"S": tasks_pk(workspace_id)}, "SK": {"S": f"TASK#{after}"}}
    items = [i for i in CrmModel.gsi1.query(pk, **kwargs) if isinstance(i, TaskItem)]
    more = len(items) > limit
    items = items[:limit]
    return [to_task(i) for i in items], cursors.encode_cursor(items[-1].task_id) if more and items else None
