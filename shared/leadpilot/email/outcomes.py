"""Recording what happened to a message: one transaction changes the message, writes the domain event on the
contact's timeline and bumps the flow node's counters; the event is published right after commit."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot import request_context
from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.email.models import EmailMessageItem, EmailStatsItem
from leadpilot.events.outbox import publish_now
from leadpilot.events.record import event_item
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

EMAIL_ACTOR = {"type": "system", "id": "email"}
_METRICS = {"email.sent": "EmailSent", "email.delivered": "EmailDelivered", "email.opened": "EmailOpened",
            "email.clicked": "EmailClicked", "email.replied": "EmailReplied", "email.bounced": "EmailBounced",
            "email.unsubscribed": "EmailUnsubscribed", "email.failed": "EmailFailed"}


def message_pk(workspace_id: str, message_id: str) -> str:
    return f"WS#{workspace_id}#EMAIL#{message_id}"


def get_message(workspace_id: str, message_id: str) -> EmailMessageItem | None:
    try:
        return EmailMessageItem.get(message_pk(workspace_id, message_id), "MSG")
    except EmailMessageItem.DoesNotExist:
        return None


def base_data(item: EmailMessageItem) -> dict[str, Any]:
    """What every email.* event says about its message (contact_id: the runtime's contact key)."""
    return {"message_id": item.message_id, "contact_id": item.contact_id, "to": item.to, "subject": item.subject,
            "flow_id": item.flow_id, "node": item.node, "run_id": item.run_id}


def actor_of(item: EmailMessageItem) -> dict[str, str]:
    """A flow's message names its run (the runtime's loop guard); anything else is the email system."""
    if item.run_id and item.flow_id:
        return {"type": "system", "id": f"automation:{item.flow_id}:{item.run_id}"}
    return dict(EMAIL_ACTOR)


def stats_pk(workspace_id: str, flow_id: str) -> str:
    return f"WS#{workspace_id}#EMAIL_STATS#{flow_id}"


def event_of(item: EmailMessageItem, actor: dict[str, str], event_type: str, data: dict[str, Any]) -> ActivityItem:
    """An event about the message on its contact's timeline, made as the request that queued it (one queued during
    an impersonation names the admin and the user whenever the worker records what became of it)."""
    with request_context.resumed(request_context.from_carried(item.impersonation)):
        return event_item(item.workspace_id, actor, event_type, data, contact_id=item.contact_id)


def record(settings: Settings, item: EmailMessageItem, event_type: str | None, data: dict[str, Any],
           actions: list[Any], condition: Any, stat: str | None = None,
           actor: dict[str, str] | None = None) -> bool:
    """Apply `actions` to the message if `condition` holds, with its event and counter; False if it did not
    hold (the outcome was recorded before: a duplicate has no second effect)."""
    events = [event_of(item, actor or dict(EMAIL_ACTOR), event_type, {**base_data(item), **data})] if event_type else []
    try:
        with transaction(settings) as txn:
            txn.update(item, actions=actions, condition=condition)
            for event in events:
                txn.save(event)
            if stat and item.flow_id and item.node:
                counter = getattr(EmailStatsItem, stat)
                txn.update(EmailStatsItem(stats_pk(item.workspace_id, item.flow_id), f"NODE#{item.node}"),
                           actions=[counter.add(1), EmailStatsItem.kind.set(EmailStatsItem)])
    except TransactWriteError as exc:
        # One reason per item (pynamodb orders puts before updates); only the message update has a condition.
        if any(getattr(r, "code", None) == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            return False  # recorded before
        raise
    if events:
        publish_now(settings, events)
        if event_type == "email.sent":
            logger.info("email sent", extra={"message_id": item.message_id, "workspace_id": item.workspace_id})
        metrics.add_metric(name=_METRICS.get(event_type or "", "EmailEvent"), unit="Count", value=1)
    return True
