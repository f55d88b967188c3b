"""Support for contact merges: move every task of one contact to another."""
from __future__ import annotations

from pynamodb.exceptions import UpdateError

from leadpilot.clock import now_iso
from leadpilot.db.base import bind_tables
from leadpilot.settings import Settings
from leadpilot.tasks import store
from leadpilot.tasks.models import TaskItem


def reassign_contact(settings: Settings, workspace_id: str, from_contact_id: str, to_contact_id: str) -> int:
    """Relate every task of `from` to `to` instead; returns how many moved. Idempotent: a task already
    moved is skipped (conditional update), so a retried merge moves nothing twice."""
    bind_tables(settings)
    if from_contact_id == to_contact_id:
        return 0
    moved = 0
    for item in store.by_contact(workspace_id, from_contact_id):
        try:
            item.update(actions=[TaskItem.related_id.set(to_contact_id),
                                 TaskItem.GSI1PK.set(store.by_contact_pk(workspace_id, to_contact_id)),
                                 TaskItem.version.add(1), TaskItem.updated_at.set(now_iso())],
                        condition=(TaskItem.related_type == "contact") & (TaskItem.related_id == from_contact_id))
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                continue
            raise
        moved += 1
    return moved
