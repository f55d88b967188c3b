"""automation.step_recorded: a run took a step (an action done or failed, a wait parked), for the open screens.

Published straight to the bus rather than through the outbox: the step log already holds the step, so the event
costs no DynamoDB write, only a share of one PutEvents call. One lost to an EventBridge error leaves a screen to
its next refetch. Inside `collecting` (an action worker's batch) the steps go out together when the batch ends.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from leadpilot.events.bus import publish
from leadpilot.events.envelope import domain_event
from leadpilot.ids import new_id
from leadpilot.settings import Settings

STEP_RECORDED = "automation.step_recorded"
_pending: ContextVar[list[dict[str, Any]] | None] = ContextVar("automation_step_events", default=None)


def recorded(settings: Settings, workspace_id: str, *, run_id: str, flow_id: str, contact_id: str, node: str,
             action: str, status: str, execution: int) -> None:
    """Announce one step of a run (status: done, failed or waiting)."""
    actor = {"type": "system", "id": f"automation:{flow_id}:{run_id}"}
    data = {"run_id": run_id, "flow_id": flow_id, "contact_id": contact_id, "node": node, "action": action,
            "status": status, "execution": execution}
    event = domain_event(new_id(), STEP_RECORDED, workspace_id, actor, data)
    pending = _pending.get()
    if pending is None:
        publish(settings.event_bus_name, settings.region, [event])
    else:
        pending.append(event)


@contextmanager
def collecting(settings: Settings) -> Iterator[None]:
    """Hold the steps announced inside the block and publish them at its end (10 per PutEvents call)."""
    token = _pending.set([])
    try:
        yield
    finally:
        events = _pending.get() or []
        _pending.reset(token)
        if events:
            publish(settings.event_bus_name, settings.region, events)
