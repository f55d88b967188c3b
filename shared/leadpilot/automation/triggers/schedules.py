"""Schedule triggers: a flow whose trigger is `{"event": "schedule", "schedule": "<cron>"}` enrols every
contact passing its filters each time the cron fires, in the workspace's timezone (or the trigger's own).

Publishing arms the flow: one ScheduleItem holds the next firing instant, indexed by its minute (GSI1
`FLOW_SCHEDULE#<minute>`). A ticker runs every minute, reads the buckets since its checkpoint (no scan) and,
for each due item, moves the item to its next firing with a conditional update; only the invocation that
wins that update fans out. The trigger id `schedule:<flow>:<instant>` names the runs, so a re-fired instant
enrols nobody twice. Cron runs on the wall clock: LEADPILOT_TIME_SCALE does not speed it up.
"""
from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from leadpilot.automation.flows.cron import next_fire
from leadpilot.automation.runs import enrollment
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.db import checkpoints
from leadpilot.db.base import CrmModel
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings

FIRST_RUN_LOOKBACK = timedelta(minutes=10)
MAX_BUCKETS_PER_RUN = 720
_CHECKPOINT = ("SCHEDULER#FLOW_SCHEDULES", "CHECKPOINT")


class ScheduleItem(CrmModel, discriminator="automation_flow_schedule"):
    """PK: WS#<ws>#FLOW#<flow_id>  SK: SCHEDULE. The armed schedule of a published flow version.

    GSI1PK: FLOW_SCHEDULE#<minute of next_fire_at, UTC>  GSI1SK: <ws>#<flow_id> (the ticker's lookup).
    """

    workspace_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    version = NumberAttribute()
    cron = UnicodeAttribute()
    timezone = UnicodeAttribute()
    next_fire_at = UnicodeAttribute()  # UTC, 'YYYY-MM-DDTHH:MM:SSZ'


class ScheduleCheckpointItem(CrmModel, discriminator="automation_schedule_checkpoint"):
    """PK: SCHEDULER#FLOW_SCHEDULES  SK: CHECKPOINT. The last minute bucket fully processed (platform-wide)."""

    bucket = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bucket(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def arm(workspace_id: str, workspace_timezone: str, flow_id: str, version: int, trigger: dict[str, Any],
        now: datetime) -> str | None:
    """Arm (or re-arm for a new version) the flow's schedule; disarm it when the trigger is not a schedule."""
    if trigger.get("event") != "schedule":
        disarm(workspace_id, flow_id)
        return None
    cron, zone = str(trigger["schedule"]), str(trigger.get("timezone") or workspace_timezone or "UTC")
    fire = next_fire(cron, zone, now)
    ScheduleItem(f"WS#{workspace_id}#FLOW#{flow_id}", "SCHEDULE", workspace_id=workspace_id, flow_id=flow_id,
                 version=version, cron=cron, timezone=zone, next_fire_at=_iso(fire),
                 GSI1PK=f"FLOW_SCHEDULE#{_bucket(fire)}", GSI1SK=f"{workspace_id}#{flow_id}").save()
    return _iso(fire)


def disarm(workspace_id: str, flow_id: str) -> None:
    with contextlib.suppress(DoesNotExist):
        ScheduleItem(f"WS#{workspace_id}#FLOW#{flow_id}", "SCHEDULE").delete()


def _checkpoint() -> datetime | None:
    return checkpoints.load(ScheduleCheckpointItem, _CHECKPOINT)


def _save_checkpoint(bucket: datetime, now: datetime) -> None:
    checkpoints.advance(ScheduleCheckpointItem, _CHECKPOINT, bucket, _iso(now))


def _advance(item: ScheduleItem, now: datetime) -> datetime | None:
    """Move the item to its next firing; returns the instant this call fired, or None if another did."""
    fired = _parse(item.next_fire_at)
    upcoming = next_fire(item.cron, item.timezone, max(fired, now))
    try:
        item.update(actions=[ScheduleItem.next_fire_at.set(_iso(upcoming)),
                             ScheduleItem.GSI1PK.set(f"FLOW_SCHEDULE#{_bucket(upcoming)}")],
                    condition=ScheduleItem.next_fire_at == item.next_fire_at)
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return None
        raise
    return fired


def fire_due(settings: Settings, config: RuntimeConfig, now: datetime,
             max_buckets: int = MAX_BUCKETS_PER_RUN) -> dict[str, Any]:
    """Fire every schedule due by `now` since the checkpoint; returns what it did."""
    current = now.astimezone(UTC).replace(second=0, microsecond=0)
    start = (_checkpoint() or current - FIRST_RUN_LOOKBACK) + timedelta(minutes=1)
    if start > current:
        start = current  # the current minute is re-read until it is over: firings later in it are caught
    fired, queued, bucket = 0, 0, start
    for _ in range(max_buckets):
        if bucket > current:
            break
        cutoff = _iso(now)
        for item in CrmModel.gsi1.query(f"FLOW_SCHEDULE#{_bucket(bucket)}"):
            if not isinstance(item, ScheduleItem) or item.next_fire_at > cutoff:
                continue
            instant = _advance(item, now)
            if instant is None:
                continue
            flow = enrollment.published_flow(item.workspace_id, item.flow_id)
            if flow is None or flow.version != int(item.version):
                continue
            trigger = {"id": f"schedule:{item.flow_id}:{_iso(instant)}", "type": "schedule",
                       "occurred_at": _iso(instant), "data": {"cron": item.cron, "timezone": item.timezone,
                                                              "fired_at": _iso(instant)}}
            queued += enrollment.fan_out(settings, config, item.workspace_id, flow, trigger)
            fired += 1
            logger.info("flow schedule fired", extra={"flow_id": item.flow_id, "fired_at": _iso(instant)})
        if bucket < current:
            _save_checkpoint(bucket, now)
        bucket += timedelta(minutes=1)
    if fired:
        metrics.add_metric(name="FlowScheduleFired", unit="Count", value=fired)
    return {"fired": fired, "contacts_queued": queued}
