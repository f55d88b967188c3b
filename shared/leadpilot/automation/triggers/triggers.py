"""The trigger consumer: a domain event starts the workspace's matching published flows for its contact;
a reply event resumes runs waiting for it; an opt-out ends the contact's runs; a Step Functions status change
closes its run record."""
from __future__ import annotations

from typing import Any

from leadpilot.automation.flows.compiler import initial_input
from leadpilot.automation.flows.matching import contact_of, passes
from leadpilot.automation.runs import enrollment, machines, opt_outs, replies, runs, snapshot
from leadpilot.automation.runs.actor import caused_by_flow
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.automation.runs.drafts import published_for
from leadpilot.observability import logger
from leadpilot.settings import Settings

STATUS_CHANGE = "Step Functions Execution Status Change"


def on_envelope(settings: Settings, config: RuntimeConfig, envelope: dict[str, Any]) -> int:
    """Route one message of the triggers queue (an EventBridge event, or an enrolment chunk that a schedule
    or another fan-out queued); returns how many runs it started."""
    if envelope.get("kind") == "enroll_chunk":
        return enrollment.on_chunk(settings, envelope)
    if envelope.get("detail-type") == STATUS_CHANGE:
        on_status_change(settings, config, envelope["detail"])
        return 0
    return on_event(settings, envelope["detail"])


def on_event(settings: Settings, event: dict[str, Any]) -> int:
    """Start every published flow of the event's workspace whose trigger matches, for the event's contact."""
    ws, event_type = str(event["workspace_id"]), str(event["type"])
    contact_id = contact_of(event)
    if contact_id is None:
        return 0
    opt_outs.on_event(settings, event)  # do_not_contact turned on: the contact's runs exit (per flow)
    if event_type in replies.REPLY_EVENTS:
        replies.answer(settings, ws, contact_id, replies.REPLY_EVENTS[event_type],
                       {"text": str((event.get("data") or {}).get("body") or (event.get("data") or {}).get("text")
                                    or ""), "event_id": event["id"]}, at=str(event.get("occurred_at") or "") or None)
    if event_type == "contact.enrollment_requested":
        return enrollment.on_enrollment_requested(settings, event)
    flows = published_for(ws, event_type)
    if event_type == "webhook.received":  # a hook belongs to one flow
        flows = [f for f in flows if f.flow_id == (event.get("data") or {}).get("flow_id")]
    if not flows:
        return 0
    contact = snapshot.load(ws, contact_id)
    if contact is None:
        return 0
    view = snapshot.of(contact)
    started = 0
    for flow in flows:
        if caused_by_flow(event.get("actor"), flow.flow_id):
            logger.info("loop guard: the flow's own action does not re-trigger it",
                        extra={"flow_id": flow.flow_id, "event_id": event["id"]})
            continue
        if not passes(flow.trigger.get("filters") or [], {"trigger": event, "contact": view}):
            continue
        wanted = flow.trigger.get("changed_fields")
        if wanted and not set(wanted) & changed_fields(event):
            continue
        run = {"workspace_id": ws, "flow_id": flow.flow_id, "version": flow.version, "contact_id": contact_id}
        payload = initial_input(run, view, {"id": event["id"], "type": event_type, "data": event.get("data") or {},
                                            "occurred_at": event.get("occurred_at")})
        if runs.enroll(settings, ws, flow, contact_id, str(event["id"]), payload):
            started += 1
    return started


def changed_fields(event: dict[str, Any]) -> set[str]:
    """The contact fields (custom fields by key) a contact.updated event changed."""
    changes = event.get("changes") or {}
    names = {k for k in changes if k != "custom_fields"}
    custom = changes.get("custom_fields") or {}
    for side in ("from", "to"):
        names |= set((custom.get(side) or {}) if isinstance(custom, dict) else ())
    return {name for name in names if isinstance(name, str)}


def on_status_change(settings: Settings, config: RuntimeConfig, detail: dict[str, Any]) -> None:
    """An execution of one of our machines ended (AWS, and the local cloud's moto server): close its record."""
    name = str(detail.get("stateMachineArn", "")).rsplit(":", 1)[-1].removesuffix(machines.ENTRY_SUFFIX)
    prefix, _, rest = name.partition(f"{config.machine_prefix}-")
    parts = rest.split("-")
    if prefix or len(parts) != 3:
        return
    # executions are named <run_id>, then <run_id>-<n> after a pause/resume/skip/restart (ADR 0011)
    item = runs.get_item(parts[0], str(detail.get("name", "")).split("-", 1)[0])
    if item is not None:
        runs.sync(settings, item)
