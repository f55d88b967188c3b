"""Fires EventBridge Scheduler one-time schedules (`at(...)`) that functions create at run time, such as webhook
retries later than SQS's 15-minute delay (moto stores schedules but never fires them).

The loop lists the schedules of the template's schedule groups; one whose time has come has its target's
Input sent (SQS targets: the only kind the template uses) and, as `ActionAfterCompletion: DELETE` asks, is
deleted. The functions that create them already divide their delays by LEADPILOT_TIME_SCALE, so an `at(...)`
fires at the moment it names. One missed while the cloud was stopped fires late, not never, while moto keeps
the schedule.

A function makes a one-off schedule only for a delay longer than SQS can hold (15 minutes: webhook retries), so
listing the groups every LIST_S finds each new schedule long before it is due. In between, a tick compares the
due times already read with the clock and lists again only when one has come. Listing every tick (twice a
second) had been most of the CPU an idle local cloud used."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.local.model import Deployment

log = logging.getLogger("infra.local.one_off")
GROUP_TYPE = "AWS::Scheduler::ScheduleGroup"
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
TICK_S = 0.5
LIST_S = 30.0


def due_time(expression: str) -> datetime | None:
    """When an `at(yyyy-mm-ddThh:mm:ss)` expression fires (UTC); None for rate/cron expressions."""
    match = _AT.match(expression.strip())
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC) if match else None


class OneOffSchedules:
    """Fires due `at(...)` schedules of the deployment's schedule groups."""

    def __init__(self, deployment: Deployment) -> None:
        self.groups = [r.name for r in deployment.resources.values() if r.type == GROUP_TYPE]
        self._queues = {r.arn: r.url for r in deployment.resources.values() if r.url}
        session = boto3.session.Session(region_name=deployment.region)
        self._scheduler = session.client("scheduler")
        self._sqs = session.client("sqs")
        self._due: dict[tuple[str, str], tuple[datetime | None, dict[str, Any]]] = {}

    def fire_due(self, now: datetime | None = None) -> int:
        """Fire every schedule whose time has come; returns how many fired."""
        now = now or datetime.now(UTC)
        fired = 0
        for group in self.groups:
            names = [s["Name"] for s in self._scheduler.list_schedules(GroupName=group).get("Schedules", [])]
            for gone in [key for key in self._due if key[0] == group and key[1] not in names]:
                del self._due[gone]  # deleted by someone else (a webhook endpoint that went away)
            for name in names:
                due, target = self._describe(group, name)
                if due is not None and due <= now and self._send(target):
                    self._scheduler.delete_schedule(GroupName=group, Name=name)
                    self._due.pop((group, name), None)
                    fired += 1
        return fired

    def _describe(self, group: str, name: str) -> tuple[datetime | None, dict[str, Any]]:
        if (group, name) not in self._due:
            schedule = self._scheduler.get_schedule(GroupName=group, Name=name)
            self._due[(group, name)] = (due_time(schedule["ScheduleExpression"]), schedule["Target"])
        return self._due[(group, name)]

    def _send(self, target: dict[str, Any]) -> bool:
        url = self._queues.get(target["Arn"])
        if url is None:
            log.warning("schedule target %s is not a queue of this template; left in place", target["Arn"])
            return False
        self._sqs.send_message(QueueUrl=url, MessageBody=target.get("Input") or "{}")
        return True

    def known_due(self, now: datetime | None = None) -> bool:
        """Whether a schedule already read (with a queue for target) has come due, without asking moto."""
        now = now or datetime.now(UTC)
        return any(due is not None and due <= now and target["Arn"] in self._queues
                   for due, target in self._due.values())

    def run(self, stop: threading.Event) -> None:
        """Fire due schedules until `stop` is set: list at start and every LIST_S, and whenever one is due."""
        listed_at: float | None = None
        while not stop.is_set():
            if listed_at is None or time.monotonic() - listed_at >= LIST_S or self.known_due():
                listed_at = time.monotonic()
                try:
                    self.fire_due()
                except (BotoCoreError, ClientError):
                    log.exception("one-off schedules could not be read or fired; trying again")
            stop.wait(TICK_S)
