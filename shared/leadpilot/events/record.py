"""Recording a domain event inside the transaction that causes it (the outbox pattern).

Every capability writes its change and `event_item(...)` in ONE transaction, then calls
`outbox.publish_now(settings, [item])` after commit. An event about a contact lands on that
contact's timeline (`WS#<ws>#CONTACT#<id>` / `ACTIVITY#<id>`); any other event lands in the
workspace's daily audit log (`WS#<ws>#AUDIT#<yyyy-mm-dd>` / `ACTIVITY#<id>`). Either way the
item is flagged pending in GSI1 OUTBOX until the bus has it.
"""
from __future__ import annotations

from typing import Any

from leadpilot.db.crm_models import ActivityItem
from leadpilot.events.envelope import domain_event
from leadpilot.events.outbox import mark_pending
from leadpilot.ids import new_id


def timeline_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#CONTACT#{contact_id}"


def event_item(workspace_id: str, actor: dict[str, str], event_type: str, data: dict[str, Any],
               changes: dict[str, Any] | None = None, contact_id: str | None = None) -> ActivityItem:
    """An activity item carrying a new domain event, flagged for the outbox; save it in your transaction."""
    activity_id = new_id()
    event = domain_event(activity_id, event_type, workspace_id, actor, data, changes)
    if contact_id is not None:
        pk = timeline_pk(workspace_id, contact_id)
    else:
        pk = f"WS#{workspace_id}#AUDIT#{event['occurred_at'][:10]}"
    item = ActivityItem(pk, f"ACTIVITY#{activity_id}", activity_id=activity_id, workspace_id=workspace_id,
                        contact_id=contact_id or "", type=event_type, actor=event["actor"], changes=changes or {},
                        event=event, occurred_at=event["occurred_at"])
    mark_pending(item)
    return item
