"""Wait for reply: the worker parks a run's task token against its contact; an inbound reply answers it.

"Until they reply" means any reply since the run started, not only one that lands while a token is parked:
every reply is also remembered per contact and channel, and a wait parked after it (the run was sending the
next text when the reply came) is answered at once. Each run remembers the last reply that resumed it, so one
reply resumes one wait of a run, never the next one too.
"""
from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from leadpilot.automation.runs import machines
from leadpilot.automation.runs.models import ActionMarkerItem, LastReplyItem, ReplyConsumedItem, ReplyWaitItem
from leadpilot.clock import now_epoch, now_iso
from leadpilot.observability import metrics
from leadpilot.settings import Settings

REPLY_EVENTS = {"sms.received": "sms", "email.replied": "email"}
_KEEP_AFTER_TIMEOUT_S = 86400
_REMEMBER_S = 30 * 86400
CHANNELS = ("sms", "email")


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


def forget(workspace_id: str, contact_id: str, run_id: str, closed_as: str | None = None) -> int:
    """Drop the run's waits because its execution was stopped (pause, skip, restart, cancel): their tokens are
    dead, and a reply must not be spent on them (it stays remembered for the wait the run parks next).
    `closed_as` also closes the run's waiting step-log entries (None: left waiting, as a paused run parks the
    same wait again on resume)."""
    dropped = 0
    for wait in ReplyWaitItem.query(waits_pk(workspace_id, contact_id), ReplyWaitItem.SK.startswith(f"WAIT#{run_id}#")):
        wait.delete()
        dropped += 1
    if closed_as is not None:
        markers = ActionMarkerItem.query(f"WS#{workspace_id}#RUN#{run_id}", ActionMarkerItem.SK.startswith("ACTION#"),
                                         filter_condition=ActionMarkerItem.status == "waiting")
        for marker in markers:
            with suppress(UpdateError):
                marker.update(actions=[ActionMarkerItem.status.set(closed_as),
                                       ActionMarkerItem.finished_at.set(now_iso())],
                              condition=ActionMarkerItem.status == "waiting")
    return dropped


def _remember(workspace_id: str, contact_id: str, channel: str, reply: dict[str, Any], at: str) -> None:
    """Keep the contact's last reply on the channel, unless a newer one is kept (an older reply delivered late
    does not replace it). Any other failure is raised, so the event comes back: a reply not remembered could not
    answer a wait parked after it."""
    item = LastReplyItem(waits_pk(workspace_id, contact_id), f"LAST#{channel}", at=at,
                         event_id=str(reply.get("event_id") or ""), text=str(reply.get("text") or "")[:1000],
                         expires_at=now_epoch() + _REMEMBER_S)
    try:
        item.save(condition=LastReplyItem.at.does_not_exist() | (LastReplyItem.at < at))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _consumed(workspace_id: str, contact_id: str, run_id: str, at: str) -> None:
    item = ReplyConsumedItem(waits_pk(workspace_id, contact_id), f"CONSUMED#{run_id}", at=at,
                             expires_at=now_epoch() + _REMEMBER_S)
    # Best effort, after the run has resumed: raising here would bring the event back to a spent token, and leave
    # the wait's step open in the log.
    with suppress(PutError):
        item.save(condition=ReplyConsumedItem.at.does_not_exist() | (ReplyConsumedItem.at < at))


def _resume(settings: Settings, workspace_id: str, contact_id: str, wait: ReplyWaitItem, output: dict[str, Any],
            at: str) -> bool:
    resumed = machines.succeed(settings.region, wait.token, output)
    if resumed:
        _consumed(workspace_id, contact_id, wait.run_id, at)
        with suppress(UpdateError):
            _close_step(workspace_id, wait, "replied", output)
    wait.delete()
    return resumed


def answer(settings: Settings, workspace_id: str, contact_id: str, channel: str, reply: dict[str, Any],
           at: str | None = None) -> int:
    """Resume every run of the contact waiting for a reply on this channel (or any); returns how many resumed.

    The reply is remembered first, for waits parked a moment later. A token whose wait already timed out is
    dropped silently: the flow took its timeout path.
    """
    at = at or now_iso()
    _remember(workspace_id, contact_id, channel, reply, at)
    resumed = 0
    for wait in ReplyWaitItem.query(waits_pk(workspace_id, contact_id), ReplyWaitItem.SK.startswith("WAIT#")):
        if wait.channel not in ("any", channel):
            continue
        resumed += _resume(settings, workspace_id, contact_id, wait, {"replied": True, "channel": channel, **reply},
                           at)
    if resumed:
        metrics.add_metric(name="FlowReplyReceived", unit="Count", value=resumed)
    return resumed


def catch_up(settings: Settings, workspace_id: str, contact_id: str, run_id: str, state: str, run_started_at: str,
             ) -> bool:
    """Answer a wait just parked if the contact replied (on its channel) since the run started and since the
    last reply that resumed this run; True when it was answered."""
    try:
        wait = ReplyWaitItem.get(waits_pk(workspace_id, contact_id), f"WAIT#{run_id}#{state}", consistent_read=True)
    except ReplyWaitItem.DoesNotExist:
        return False
    horizon = run_started_at
    with suppress(ReplyConsumedItem.DoesNotExist):
        horizon = max(horizon, ReplyConsumedItem.get(waits_pk(workspace_id, contact_id), f"CONSUMED#{run_id}",
                                                     consistent_read=True).at)
    channels = CHANNELS if wait.channel == "any" else (wait.channel,)
    latest: LastReplyItem | None = None
    for channel in channels:
        with suppress(LastReplyItem.DoesNotExist):
            item = LastReplyItem.get(waits_pk(workspace_id, contact_id), f"LAST#{channel}", consistent_read=True)
            if item.at > horizon and (latest is None or item.at > latest.at):
                latest = item
    if latest is None:
        return False
    output = {"replied": True, "channel": latest.SK.split("#", 1)[1], "text": latest.text or "",
              "event_id": latest.event_id}
    return _resume(settings, workspace_id, contact_id, wait, output, latest.at)
