"""Reminders on a controllable clock: minute buckets, checkpoint, catch-up, exactly-once, moves."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadpilot.db.base import bind_tables
from leadpilot.settings import Settings, get_settings
from leadpilot.tasks.models import ReminderCheckpointItem
from leadpilot.tasks.reminders import fire_due_reminders
from tests.integration.test_tasks_api import add_member, recorded_events, schema_errors
from tests.support.apps import Api, load_module

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
DUE = "2030-01-01T15:00:00Z"  # T0 + 3h: the 1-day reminder is already past, the 1-hour one fires at T0 + 2h


@pytest.fixture
def settings(cloud: Any) -> Settings:
    s = get_settings()
    bind_tables(s)
    return s


def _task(api: Api, token: str, **extra: Any) -> dict[str, Any]:
    reply = api.post("/tasks", {"title": "Call Ada", "due_at": DUE, "timezone": "UTC", **extra}, token=token)
    assert reply.status == 201, reply
    return reply.body


def _inbox(api: Api, token: str) -> list[tuple[str, str]]:
    return [(n["type"], n["title"]) for n in api.get("/notifications", token=token).body["items"]]


def test_a_reminder_fires_once_and_the_overdue_notice_once(api: Api, owner: dict[str, Any], cloud: Any,
                                                            settings: Settings) -> None:
    # Given a task assigned to its creator, due at T0 + 3h, and the scheduler's first run at T0
    token = owner["access_token"]
    task = _task(api, token, assignee_id=owner["user"]["id"])
    assert fire_due_reminders(settings, T0)["fired"] == 0
    # When the clock reaches the 1-hour reminder
    at = T0 + timedelta(hours=2, seconds=5)
    first = fire_due_reminders(settings, at)
    # Then it fires once, even when run again or when the checkpoint is rewound
    assert first["fired"] == 1
    assert fire_due_reminders(settings, at)["fired"] == 0
    ReminderCheckpointItem("SCHEDULER#TASK_REMINDERS", "CHECKPOINT").delete()
    assert fire_due_reminders(settings, at)["fired"] == 0
    assert _inbox(api, token) == [("task_reminder", "Due in 1 hour: Call Ada")]
    # When the scheduler was down until long after the due time
    late = fire_due_reminders(settings, T0 + timedelta(hours=6))
    # Then it catches up: the overdue notice fires once
    assert late["fired"] == 1 and late["buckets"] > 200
    assert fire_due_reminders(settings, T0 + timedelta(hours=7))["fired"] == 0
    assert _inbox(api, token)[0] == ("task_overdue", "Overdue: Call Ada")
    events = [e for e in recorded_events(cloud, "task.") if e["type"] in ("task.due", "task.overdue")]
    assert [(e["type"], e["data"]["task"]["id"]) for e in events] == [("task.due", task["id"]),
                                                                      ("task.overdue", task["id"])]
    assert events[0]["data"]["minutes_before"] == 60 and events[0]["actor"] == {"type": "system",
                                                                               "id": "task-reminders"}
    assert all(schema_errors(e) == [] for e in events)


def test_reschedule_moves_and_complete_deletes_pending_reminders(api: Api, owner: dict[str, Any],
                                                                 settings: Settings) -> None:
    # Given two tasks with reminders at T0 + 2h
    token = owner["access_token"]
    moved = _task(api, token, assignee_id=owner["user"]["id"])
    done = _task(api, token, assignee_id=owner["user"]["id"])
    fire_due_reminders(settings, T0)
    # When one is moved a day later and the other completed
    api.patch(f"/tasks/{moved['id']}", {"due_at": "2030-01-02T15:00:00Z"}, token=token)
    api.patch(f"/tasks/{done['id']}", {"status": "done"}, token=token)
    # Then by T0 + 4h only the moved task's new 1-day reminder (at T0 + 3h) fired: neither 1-hour reminder
    # at T0 + 2h did
    assert fire_due_reminders(settings, T0 + timedelta(hours=4))["fired"] == 1
    assert _inbox(api, token) == [("task_reminder", "Due in 1 day: Call Ada")]


def test_the_reminder_of_an_unassigned_task_or_a_muted_type_emits_the_event_only(api: Api, owner: dict[str, Any],
                                                                                 cloud: Any,
                                                                                 settings: Settings) -> None:
    # Given a member who muted reminders, one task assigned to them and one unassigned
    token = owner["access_token"]
    member = add_member(api, token)
    api.patch("/notifications/preferences", {"task_reminder": {"in_app": False}}, token=member["access_token"])
    _task(api, token, assignee_id=member["member"]["user_id"], reminders=["PT30M"])
    _task(api, token, reminders=[30])
    fire_due_reminders(settings, T0)
    # When the reminders are due
    assert fire_due_reminders(settings, T0 + timedelta(hours=2, minutes=31))["fired"] == 2
    # Then both task.due events exist but nobody got a notification
    assert len([e for e in recorded_events(cloud, "task.due")]) == 2
    inbox = api.get("/notifications", token=member["access_token"]).body
    assert [n["type"] for n in inbox["items"]] == ["task_assigned"] and inbox["unread_count"] == 1


def test_catch_up_is_bounded_per_run_and_resumes(api: Api, owner: dict[str, Any], settings: Settings) -> None:
    token = owner["access_token"]
    _task(api, token, assignee_id=owner["user"]["id"], reminders=[170])  # fires at T0 + 10 min
    fire_due_reminders(settings, T0)
    # When a run may look at only 5 buckets
    first = fire_due_reminders(settings, T0 + timedelta(hours=1), max_buckets=5)
    # Then it stops there and the next run continues from its checkpoint
    assert first["fired"] == 0 and first["buckets"] == 5
    assert fire_due_reminders(settings, T0 + timedelta(hours=1))["fired"] == 1


def test_a_reminder_due_later_in_the_current_minute_is_found_by_the_next_run(api: Api, owner: dict[str, Any],
                                                                             settings: Settings) -> None:
    token = owner["access_token"]
    _task(api, token, reminders=[0])  # the due-now reminder fires at 15:00:00; the overdue marker too
    fire_due_reminders(settings, datetime(2030, 1, 1, 14, 59, 50, tzinfo=UTC))
    assert fire_due_reminders(settings, datetime(2030, 1, 1, 14, 59, 59, tzinfo=UTC))["fired"] == 0
    assert fire_due_reminders(settings, datetime(2030, 1, 1, 15, 0, 30, tzinfo=UTC))["fired"] == 2


def test_the_scheduled_handler_runs_on_the_real_clock(cloud: Any) -> None:
    # Given the deployed handler and its scheduled event; When it runs; Then it reports what it did
    result = load_module("functions/tasks").fire_reminders({"source": "aws.events"}, None)
    assert result["fired"] == 0 and result["buckets"] >= 1
