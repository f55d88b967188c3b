"""Opt-outs end runs: a contact who texts STOP (do-not-contact set), unsubscribes from email or complains leaves
every running or paused run with outcome `opted_out`, unless the run's flow version says `on_opt_out: continue`.

Driven by domain events on their queues (ADR 0011), so it works the same on AWS and on the local cloud:
`contact.updated` turning `do_not_contact` on (the trigger consumer), `email.unsubscribed` (the sequence-exit
consumer, which receives it). `sms.keyword_received` with intent opt_out is understood too. Idempotent: a run
that has ended is left alone, so a redelivered or second event of the same opt-out changes nothing.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leadpilot.automation.flows.matching import contact_of
from leadpilot.automation.flows.model import OPT_OUT_CONTINUE, opt_out_policy
from leadpilot.automation.runs import machines, replies, runs, step_log
from leadpilot.automation.runs.actor import caused_by_flow
from leadpilot.automation.runs.models import FlowVersionItem, RunItem
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

OUTCOME = "opted_out"
ERROR = "LeadPilot.OptedOut"
_SMS_INBOUND = "sms-inbound"  # the actor of the inbound-SMS webhook (sms.inbound.INBOUND_ACTOR)


@dataclass(frozen=True)
class OptOut:
    """A contact's opt-out as an event tells it: on which channel, and why in words (kept as the run's cause)."""

    channel: str  # sms | email | all (marked do-not-contact)
    reason: str


def of_event(event: Mapping[str, Any]) -> OptOut | None:
    """The opt-out a domain event records, if it records one."""
    event_type, data = event.get("type"), event.get("data") or {}
    if event_type == "contact.updated":
        change = (event.get("changes") or {}).get("do_not_contact")
        if not isinstance(change, Mapping) or change.get("to") is not True or change.get("from") is True:
            return None
        if (event.get("actor") or {}).get("id") == _SMS_INBOUND:
            return OptOut("sms", "the contact texted an opt-out keyword")
        return OptOut("all", "the contact was marked do-not-contact")
    if event_type == "sms.keyword_received" and data.get("intent") == "opt_out":
        return OptOut("sms", f"the contact texted {str(data.get('word') or 'STOP')[:40]}")
    if event_type == "email.unsubscribed":
        if data.get("method") == "complaint":
            return OptOut("email", "the contact marked an email as spam")
        return OptOut("email", "the contact unsubscribed from email")
    return None


def on_event(settings: Settings, event: Mapping[str, Any]) -> int:
    """End the active runs of the contact an opt-out event is about; returns how many ended."""
    opt_out, contact_id = of_event(event), contact_of(event)
    if opt_out is None or contact_id is None:
        return 0
    return exit_runs(settings, str(event["workspace_id"]), contact_id, opt_out, event.get("actor"))


def exit_runs(settings: Settings, workspace_id: str, contact_id: str, opt_out: OptOut,
              actor: Mapping[str, Any] | None = None) -> int:
    """End the contact's running and paused runs whose flow exits on opt-out (a run whose own action recorded
    the opt-out is left to go on: it is doing what its flow says)."""
    ended = 0
    policies: dict[tuple[str, int], str] = {}
    for item in runs.contact_items(workspace_id, contact_id):
        if item.status == "cancelled" and item.outcome == OUTCOME:
            _stopped(settings, item)  # a redelivery after the record ended but before its execution stopped
            continue
        if item.status not in ("running", "paused") or caused_by_flow(dict(actor or {}), item.flow_id):
            continue
        key = (item.flow_id, int(item.version))
        if key not in policies:
            policies[key] = _policy(item)
        if policies[key] == OPT_OUT_CONTINUE:
            logger.info("opt-out: the flow continues", extra={"run_id": item.run_id, "flow_id": item.flow_id})
            continue
        ended += _exit(settings, item, opt_out)
    return ended


def _policy(item: RunItem) -> str:
    """The `on_opt_out` of the run's flow version (a version gone: the default, exit)."""
    try:
        version = FlowVersionItem.get(f"WS#{item.workspace_id}#FLOW#{item.flow_id}", f"VERSION#{int(item.version):06d}")
    except FlowVersionItem.DoesNotExist:
        return opt_out_policy({})
    return opt_out_policy(json.loads(version.document))


def _stopped(settings: Settings, item: RunItem) -> None:
    """Stop the execution of a run already ended as opted out, if it still runs."""
    described = machines.describe(settings.region, item.execution_arn)
    if described is not None and described.get("status") == "RUNNING":
        machines.stop(settings.region, item.execution_arn, str(item.cause or OUTCOME), error=ERROR)


def _exit(settings: Settings, item: RunItem, opt_out: OptOut) -> int:
    """End one run as opted out: the record first (the worker then refuses whatever the execution still sends,
    so no later text or task), then its execution and reply waits. 0 when it had ended meanwhile."""
    execution_arn, was_running = item.execution_arn, item.status == "running"
    if was_running and runs.sync(settings, item).status != "running":
        return 0  # its execution ended on its own before the opt-out: that end stands
    cause = f"opted out ({opt_out.channel}): {opt_out.reason}"
    if not runs.end(settings, item, "cancelled", ERROR, cause, outcome=OUTCOME):
        return 0
    if was_running:
        machines.stop(settings.region, execution_arn, cause, error=ERROR)
    replies.forget(item.workspace_id, item.contact_id, item.run_id, closed_as=OUTCOME)
    step_log.record(item, "opt_out", f"system:opt-out:{opt_out.channel}", item.current_node, reason=opt_out.reason)
    metrics.add_metric(name="FlowRunOptedOut", unit="Count", value=1)
    return 1
