"""Wait for reply: the worker parks a run's task token against its contact; an inbound reply answers it."""
from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from pynamodb.exceptions import UpdateError

from leadpilot.automation_runtime import machines
from leadpilot.automation_runtime.models import ActionMarkerItem, ReplyWaitItem
from leadpilot.clock import now_epoch, now_iso
from leadpilot.observability import metrics
from leadpilot.settings import Settings

REPLY_EVENTS = {"sms.received": "sms", "email.replied": "email"}
_KEEP_AFTER_TIMEOUT_S = 86400


def waits_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#WAITS#{contact_id}"


def park(workspace_id: str, contact_id: str, run_id: str, state: str, node: str, channel: str, token: str,
         timeout_s: int, marker: str | None = None) -> None:
    """Register a waiting token (idempotent: the same run and state overwrite the same item); `marker` is the
    wait's entry in the run's step log, closed as replied or timed out."""
    ReplyWaitItem(waits_pk(workspace_id, contact_id), f"WAIT#{run_id}#{state}", run_id=run_id, node=node,
                  channel=channel, token=token, created_at=now_iso(), marker=marker,
                  expires_at=now_epoch() + timeout_s + _KEEP_AFTER_TIMEOUT_S).save()


def _close_step(workspace_id: str, wait: ReplyWaitItem, status: str, output: dict[str, Any]) -> None:
    if wait.marker:
        ActionMarkerItem(f"WS#{workspace_id}#RUN#{wait.run_id}", wait.marker).update(actions=[
            ActionMarkerItem.status.set(status), ActionMarkerItem.output.set(json.dumps(output)),
            ActionMarkerItem.finished_at.set(now_iso())], condition=ActionMarkerItem.status == "waiting")


def release(workspace_id: str, contact_id: str, run_id: str) -> None:
    """Drop the run's waits: it has moved on (its wait timed out), so nobody listens to those tokens any more."""
    for wait in ReplyWaitItem.query(waits_pk(workspace_id, contact_id), ReplyWaitItem.SK.startswith(f"WAIT#{run_id}#")):
        with suppress(UpdateError):
            _close_step(workspace_id, wait, "timed_out", {"replied": False})
        wait.delete()


def answer(settings: Settings, workspace_id: str, contact_id: str, channel: str, reply: dict[str, Any]) -> int:
    """Resume every run of the contact waiting for a reply on this channel (or any); returns how many resumed.

    A token whose wait already timed out is dropped silently: the flow took its timeout path.
    """
    resumed = 0
    for wait in ReplyWaitItem.query(waits_pk(workspace_id, contact_id), ReplyWaitItem.SK.startswith("WAIT#")):
        if wait.channel not in ("any", channel):
            continue
        if machines.succeed(settings.region, wait.token, {"replied": True, "channel": channel, **reply}):
            resumed += 1
            with suppress(UpdateError):
                _close_step(workspace_id, wait, "replied", {"replied": True, "channel": channel, **reply})
        wait.delete()
    if resumed:
        metrics.add_metric(name="FlowReplyReceived", unit="Count", value=resumed)
    return resumed
