"""Clock delays (`compute_wait`) and Wait for Event.

compute_wait: the compiler turns a delay with `until`, `time_of_day`, `weekdays` or `between_hours` into a task
that asks the worker when the wait ends; the answer `{"until": ISO}` is compressed by the flow's time scale
(LEADPILOT_TIME_SCALE), so a demo of "next Monday at 9:00" lasts seconds. `target` keeps the real moment.
wait_for_event: the token is parked against the contact and event type; a matching event on the triggers
queue answers it (the node's timeout is the compiled callback task's).
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser
from pynamodb.attributes import UnicodeAttribute

from leadpilot.automation.flows.compiler import duration_seconds
from leadpilot.automation.flows.matching import contact_of
from leadpilot.automation.runs import machines, runs
from leadpilot.automation.steps.actions import FAILED, Job, PermanentFailure
from leadpilot.clock import now_epoch, now_iso
from leadpilot.db.base import CrmModel
from leadpilot.observability import metrics
from leadpilot.settings import Settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KEEP_AFTER_TIMEOUT_S = 86400
_MAX_STEPS = 24 * 15  # hour steps: any weekday/hours window recurs within two weeks


class WaitError(ValueError):
    """The delay cannot be computed (a missing or unreadable date, an unknown time zone)."""


# -- clock delays ------------------------------------------------------------------------------------------------
def _lookup(context: Mapping[str, Any], path: str) -> Any:
    current: Any = context
    for part in path.split("."):
        current = current.get(part) if isinstance(current, Mapping) else None
    return current


def _moment(value: Any, zone: ZoneInfo, what: str) -> datetime:
    """An ISO date-time (a date alone is midnight in the zone; a naive time is the zone's wall time)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            parsed = date_parser.isoparse(value.strip())
        except ValueError as exc:
            raise WaitError(f"{what} is not an ISO 8601 date or date-time: {value!r}") from exc
    else:
        raise WaitError(f"{what} has no date (value {value!r})")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _at_clock(moment: datetime, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return moment.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _allowed(local: datetime, weekdays: set[str] | None, hours: tuple[int, int] | None) -> bool:
    if weekdays is not None and WEEKDAYS[local.weekday()] not in weekdays:
        return False
    return hours is None or hours[0] <= local.hour < hours[1]


def wait_target(config: Mapping[str, Any], now: datetime, zone: ZoneInfo,
                lookup: Callable[[str], Any] = lambda path: None) -> datetime:
    """The real moment (UTC) a clock delay ends, never before now."""
    until = config.get("until")
    if until:
        source = until.get("date") if "date" in until else lookup(str(until.get("field")))
        base = _moment(source, zone, f"until.{'date' if 'date' in until else until.get('field')}")
        base += timedelta(seconds=duration_seconds(until.get("offset") or {}))
        base -= timedelta(seconds=duration_seconds(until.get("before") or {}))
    else:
        base = now + timedelta(seconds=duration_seconds({k: config[k] for k in ("minutes", "hours", "days")
                                                         if k in config}))
    local = max(base, now).astimezone(zone)
    if config.get("time_of_day"):
        candidate = _at_clock(local, config["time_of_day"])
        local = candidate if candidate >= local else _at_clock(local + timedelta(days=1), config["time_of_day"])
    weekdays = set(config["weekdays"]) if config.get("weekdays") else None
    window = config.get("between_hours")
    hours = (int(window["from"]), int(window["to"])) if window else None
    for _ in range(_MAX_STEPS):
        if _allowed(local, weekdays, hours):
            return local.astimezone(UTC)
        day_ok = weekdays is None or WEEKDAYS[local.weekday()] in weekdays
        if day_ok and hours is not None and local.hour < hours[0]:
            local = local.replace(hour=hours[0], minute=0, second=0, microsecond=0)
            continue
        # the next day, at the window's start (or the time of day, or midnight)
        following = (local + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        start = f"{hours[0]:02d}:00" if hours else (config.get("time_of_day") or "00:00")
        local = _at_clock(following, start)
    raise WaitError("no allowed moment in the next two weeks: check weekdays and between_hours")


def _zone(job: Job) -> ZoneInfo:
    name = str(job.config.get("timezone") or "workspace")
    workspace_zone = job.identity.workspace.timezone or "UTC"
    if name == "contact":  # the contact's own zone (a custom field people type): a bad one means the workspace's
        custom = (job.context.get("contact") or {}).get("custom_fields") or {}
        name = str(custom.get("timezone") or "workspace")
        try:
            return ZoneInfo(name if name != "workspace" else workspace_zone)
        except (ZoneInfoNotFoundError, ValueError):
            name = "workspace"
    if name == "workspace":
        name = workspace_zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PermanentFailure(FAILED, f"delay at {job.node}: unknown time zone {name!r}") from exc


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def compute_wait(job: Job) -> dict[str, Any]:
    """When the delay ends: `until` (time-scaled, what the Wait state uses) and `target` (the real moment)."""
    now = datetime.now(UTC)
    zone = _zone(job)
    try:
        target = wait_target(job.config, now, zone, lambda path: _lookup(job.context, path))
    except WaitError as exc:
        raise PermanentFailure(FAILED, f"delay at {job.node}: {exc}") from exc
    scale = float(job.message.get("time_scale") or 1)
    scaled_s = math.ceil((target - now).total_seconds() * scale)
    return {"until": _iso(now + timedelta(seconds=max(0, scaled_s))), "target": _iso(target),
            "timezone": zone.key, "wait_s": max(0, scaled_s)}


# -- wait for event ----------------------------------------------------------------------------------------------
class EventWaitItem(CrmModel, discriminator="automation_event_wait"):
    """PK: WS#<ws>#EVENT_WAITS#<contact_id>  SK: WAIT#<event type>#<run_id>#<state>. A task token waiting for an
    event about the contact (optionally matching values); expires (TTL) a day after the node's timeout."""

    run_id = UnicodeAttribute()
    node = UnicodeAttribute()
    match = UnicodeAttribute()  # JSON {path: value}
    token = UnicodeAttribute()
    created_at = UnicodeAttribute()
    held = UnicodeAttribute(null=True)  # JSON output of the event that came while the run was paused


def event_waits_pk(workspace_id: str, contact_id: str) -> str:
    return f"WS#{workspace_id}#EVENT_WAITS#{contact_id}"


def park_event(job: Job, token: str) -> None:
    """Register the token (idempotent: a redelivery overwrites the same item with its newest token). When the
    event already came while the run was paused at this wait, it answers the new token at once."""
    _park(job, token, str(job.config["event"]), job.config.get("match") or {})


def park_booking(job: Job, token: str) -> None:
    """Wait for booking: a wait for `appointment.booked` about the contact (of the node's event type, if named)."""
    event_type_id = job.config.get("event_type_id")
    _park(job, token, "appointment.booked", {"data.event_type_id": event_type_id} if event_type_id else {})


def _park(job: Job, token: str, event: str, match: Mapping[str, Any]) -> None:
    pk, sk = event_waits_pk(job.workspace_id, job.contact_id), f"WAIT#{event}#{job.run_id}#{job.state}"
    try:
        existing = EventWaitItem.get(pk, sk, consistent_read=True)
        if runs.answer_held(job.settings.region, existing, token):  # the event came while the run was paused
            metrics.add_metric(name="FlowEventReceived", unit="Count", value=1)
            return
    except EventWaitItem.DoesNotExist:
        pass
    scale = float(job.message.get("time_scale") or 1)
    timeout_s = max(1, round(duration_seconds(job.config["timeout"]) * scale))
    EventWaitItem(pk, sk, run_id=job.run_id, node=job.node, match=json.dumps(dict(match)),
                  token=token, created_at=now_iso(), expires_at=now_epoch() + timeout_s + _KEEP_AFTER_TIMEOUT_S).save()


def matches(match: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Every `path: value` holds; paths read the event (`data.tag`), also spelled `event.data.tag`."""
    context = {**event, "event": event, "trigger": event}
    return all(_lookup(context, path) == value for path, value in match.items())


def answer_event(settings: Settings, event: dict[str, Any]) -> int:
    """Resume the contact's runs waiting for this event type (and matching it); returns how many resumed."""
    contact_id, ws, kind = contact_of(event), str(event.get("workspace_id") or ""), str(event.get("type") or "")
    if not contact_id or not ws or not kind:
        return 0
    resumed = 0
    for wait in EventWaitItem.query(event_waits_pk(ws, contact_id), EventWaitItem.SK.startswith(f"WAIT#{kind}#")):
        if not matches(json.loads(wait.match or "{}"), event):
            continue
        output = {"event": {"id": event.get("id"), "type": kind, "occurred_at": event.get("occurred_at"),
                            "data": event.get("data") or {}}}
        if runs.hold_if_paused(ws, wait, output):  # resume parks the wait again and it answers at once
            continue
        if machines.succeed(settings.region, wait.token, output):
            resumed += 1
        wait.delete()
    if resumed:
        metrics.add_metric(name="FlowEventReceived", unit="Count", value=resumed)
    return resumed
