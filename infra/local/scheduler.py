"""Fires the template's Schedule events (moto stores rules but never fires them)."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra.local.cron import Cron, Rate, next_fire, parse_schedule
from infra.local.model import Deployment, ScheduleSpec

log = logging.getLogger("infra.local.scheduler")


def scheduled_event(spec: ScheduleSpec, account_id: str, region: str, when: datetime) -> Any:
    """The event EventBridge sends for a schedule (or the rule's Input, when it has one)."""
    if spec.input is not None:
        return json.loads(spec.input)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [spec.rule_arn],
        "detail": {},
    }


@dataclass
class _Entry:
    function_id: str
    spec: ScheduleSpec
    schedule: Rate | Cron
    next_at: datetime | None = None


class Scheduler:
    """One thread for every enabled Schedule event of the deployment."""

    def __init__(self, invoke: Callable[[str, Any], Any], deployment: Deployment, time_scale: float = 1.0) -> None:
        self._invoke = invoke
        self._deployment = deployment
        self.time_scale = time_scale
        # Parsed up front so that a bad expression fails at start, not at the first firing.
        self._entries = [
            _Entry(spec.logical_id, schedule, parse_schedule(schedule.expression))
            for spec in deployment.functions
            for schedule in spec.schedules
        ]

    @property
    def has_entries(self) -> bool:
        """True when some enabled schedule exists."""
        return any(entry.spec.enabled for entry in self._entries)

    def fire(self, function_id: str, event_name: str | None = None) -> Any:
        """Invoke a function with its scheduled event now (the first Schedule unless named)."""
        for entry in self._entries:
            if entry.function_id == function_id and event_name in (None, entry.spec.event_name):
                return self._fire(entry, datetime.now(UTC))
        raise KeyError(f"{function_id} has no Schedule event {event_name or ''}".rstrip())

    def _fire(self, entry: _Entry, when: datetime) -> Any:
        event = scheduled_event(entry.spec, self._deployment.account_id, self._deployment.region, when)
        return self._invoke(entry.function_id, event)

    def run(self, stop: threading.Event) -> None:
        """Fire due schedules until ``stop`` is set; a missed firing is skipped, not replayed."""
        entries = [entry for entry in self._entries if entry.spec.enabled]
        started = datetime.now(UTC)
        for entry in entries:
            entry.next_at = next_fire(entry.schedule, started, self.time_scale)
        while not stop.is_set():
            now = datetime.now(UTC)
            for entry in entries:
                if entry.next_at is None or entry.next_at > now:
                    continue
                try:
                    self._fire(entry, entry.next_at)
                except Exception:
                    # EventBridge retries asynchronous invocations; the next tick is our retry.
                    log.exception("scheduled %s.%s failed", entry.function_id, entry.spec.event_name)
                entry.next_at = self._after(entry, entry.next_at)
            pending = [entry.next_at for entry in entries if entry.next_at is not None]
            delay = (min(pending) - datetime.now(UTC)).total_seconds() if pending else 1.0
            # Wake at least every second so that a stop or a clock change is noticed quickly.
            stop.wait(min(1.0, max(0.01, delay)))

    def _after(self, entry: _Entry, fired_at: datetime) -> datetime | None:
        # Keep the cadence from the planned time, but skip firings missed while a slow
        # handler ran: EventBridge does not queue up missed schedule ticks either.
        upcoming = next_fire(entry.schedule, fired_at, self.time_scale)
        now = datetime.now(UTC)
        if upcoming is not None and upcoming <= now:
            upcoming = next_fire(entry.schedule, now, self.time_scale)
        return upcoming
