"""The local cloud's one-off schedules (infra/local/one_off.py): listed at start and every LIST_S, fired on time."""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra.local import one_off
from infra.local.one_off import OneOffSchedules
from tests.integration.conftest import receive_events


class _Counting:
    """The scheduler client, counting its ListSchedules calls."""

    def __init__(self, client: Any) -> None:
        self.client, self.lists = client, 0

    def list_schedules(self, **kwargs: Any) -> Any:
        self.lists += 1
        return self.client.list_schedules(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def _schedule(cloud: Any, name: str, due: datetime, body: str) -> None:
    queue = cloud.resources["WebhookDeliveriesQueue"]
    boto3.client("scheduler").create_schedule(
        Name=name, GroupName=cloud.resources["WebhookRetrySchedules"].name,
        ScheduleExpression=f"at({due.strftime('%Y-%m-%dT%H:%M:%S')})", ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": queue.arn, "RoleArn": "arn:aws:iam::123456789012:role/scheduler", "Input": body})


def test_a_known_schedule_fires_at_its_time_without_listing_every_tick(cloud: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a schedule due in 4-5 s, and the firing loop at quick ticks with a list only every 30 s otherwise
    monkeypatch.setattr(one_off, "TICK_S", 0.05)
    monkeypatch.setattr(one_off, "LIST_S", 30.0)
    due = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0) + timedelta(seconds=1)
    _schedule(cloud, "soon", due, json.dumps({"attempt": 2}))
    schedules = OneOffSchedules(cloud)
    counting = _Counting(schedules._scheduler)
    schedules._scheduler = counting
    stop = threading.Event()
    loop = threading.Thread(target=schedules.run, args=(stop,), daemon=True)
    # When it runs until the message arrives (at most 10 s)
    loop.start()
    try:
        started = time.monotonic()
        while counting.lists == 0 and time.monotonic() < started + 3:
            time.sleep(0.02)
        time.sleep(0.5)  # ten ticks
        lists_before_due = counting.lists
        deadline, bodies = time.monotonic() + 10, []
        while not bodies and time.monotonic() < deadline:
            bodies = receive_events(cloud, "WebhookDeliveriesQueue")
            time.sleep(0.1)
    finally:
        stop.set()
        loop.join(timeout=5)
    # Then it listed once at start, not at every tick; it fired the schedule at its time (listing once more to
    # see it still exists) and deleted it, as ActionAfterCompletion DELETE asks
    assert lists_before_due == 1
    assert bodies == [{"attempt": 2}]
    assert datetime.now(UTC) >= due
    assert counting.lists == 2
    group = cloud.resources["WebhookRetrySchedules"].name
    assert boto3.client("scheduler").list_schedules(GroupName=group)["Schedules"] == []


def test_a_schedule_deleted_by_someone_else_is_forgotten_not_fired(cloud: Any) -> None:
    # Given a schedule read by the loop, then deleted elsewhere (its webhook endpoint went away)
    due = datetime.now(UTC) + timedelta(hours=1)
    _schedule(cloud, "cancelled", due, "{}")
    schedules = OneOffSchedules(cloud)
    assert schedules.fire_due() == 0 and schedules.known_due(now=due + timedelta(seconds=1))
    boto3.client("scheduler").delete_schedule(GroupName=cloud.resources["WebhookRetrySchedules"].name, Name="cancelled")
    # When its time comes and the groups are listed again
    fired = schedules.fire_due(now=due + timedelta(seconds=1))
    # Then nothing was sent, and nothing is left that would make the loop list at every tick
    assert fired == 0 and receive_events(cloud, "WebhookDeliveriesQueue") == []
    assert not schedules.known_due(now=due + timedelta(seconds=1))
