"""Items of the tasks capability (CRM table). Key shapes are stated on each class."""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel


class TaskItem(CrmModel, discriminator="task"):
    """PK: WS#<ws>#TASKS  SK: TASK#<task_id>.

    GSI1 (only when related to a contact): WS#<ws>#CONTACT#<contact_id>#TASKS / TASK#<task_id>, the
    by-contact lookup a contact merge uses.
    """

    task_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    priority = UnicodeAttribute()
    due_at = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute()
    assignee_id = UnicodeAttribute(null=True)
    related_type = UnicodeAttribute(null=True)
    related_id = UnicodeAttribute(null=True)
    recurrence = UnicodeAttribute(null=True)
    reminders = ListAttribute(of=NumberAttribute, default=list)
    series_start = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    next_occurrence_id = UnicodeAttribute(null=True)
    previous_occurrence_id = UnicodeAttribute(null=True)
    created_by = MapAttribute(default=dict)  # type: ignore[var-annotated]
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)


class TaskViewItem(CrmModel, discriminator="task_view"):
    """PK: WS#<ws>#TASKVIEW#TEAM or WS#<ws>#TASKVIEW#USER#<user_id>  SK: <due UTC | ~>#<task_id>.

    A member's partition holds the tasks they are responsible for: assigned to them, or created by them and
    not assigned to anyone.

    One row per view a task appears in, written in the task's transaction and only while the task is
    unfinished: each view (and 'overdue' = team rows with SK < now) is one strongly consistent Query
    sorted by due time, tasks without a due time last ('~' sorts after every digit).
    """

    task_id = UnicodeAttribute()


class ReminderItem(CrmModel, discriminator="task_reminder"):
    """PK: WS#<ws>#TASK#<task_id>  SK: REMINDER#<minutes before due, 6 digits> or REMINDER#OVERDUE.

    GSI1: REMINDER#<fire time's minute, YYYY-MM-DDTHH:MM> / <fire_at>#<ws>#<task_id>#<SK>, the time
    bucket the scheduled function queries. Deleted when it fires (the same transaction creates the
    notification and the event), so firing is exactly once.
    """

    workspace_id = UnicodeAttribute()
    task_id = UnicodeAttribute()
    minutes_before = NumberAttribute()  # -1 for the overdue marker (fires at the due time)
    fire_at = UnicodeAttribute()
    due_at = UnicodeAttribute()


class ReminderCheckpointItem(CrmModel, discriminator="task_reminder_checkpoint"):
    """PK: SCHEDULER#TASK_REMINDERS  SK: CHECKPOINT. The last minute bucket fully processed (platform-wide)."""

    bucket = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class CalendarFeedItem(CrmModel, discriminator="calendar_feed"):
    """PK: CALFEED#<feed_id>  SK: CALFEED. Found from the feed URL before the workspace is known, like an API
    key; holds only the SHA-256 of the URL's secret. Deleting it revokes the URL."""

    feed_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()


class CalendarFeedPointerItem(CrmModel, discriminator="calendar_feed_pointer"):
    """PK: WS#<ws>#CALFEEDS  SK: USER#<user_id>. The member's current feed (one per member per workspace)."""

    feed_id = UnicodeAttribute()
