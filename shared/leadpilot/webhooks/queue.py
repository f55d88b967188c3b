"""When an attempt runs: now or after a short delay through the deliveries queue (SQS DelaySeconds, at most
15 minutes), later through a one-off EventBridge Scheduler schedule that sends the attempt to the same queue.

Delays are divided by LEADPILOT_TIME_SCALE (as SMS schedules are), so on a sped-up local cloud a 5-hour retry
comes in seconds; the local cloud's scheduler fires `at(...)` schedules at the time they name."""
from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from leadpilot.webhooks.config import WebhooksConfig

MAX_QUEUE_DELAY_S = 900  # SQS's DelaySeconds limit


@lru_cache(maxsize=4)
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


@lru_cache(maxsize=4)
def _scheduler(region: str) -> Any:
    return boto3.client("scheduler", region_name=region)


def task(workspace_id: str, endpoint_id: str, delivery_id: str, attempt: int) -> dict[str, Any]:
    """The message of one attempt: `attempt` is the delivery's attempt count once this one is claimed."""
    return {"workspace_id": workspace_id, "endpoint_id": endpoint_id, "delivery_id": delivery_id,
            "attempt": attempt}


def real_delay(config: WebhooksConfig, delay_s: float) -> float:
    """How long a delay of the retry schedule lasts here (shorter on a sped-up local cloud)."""
    return delay_s / config.time_scale


def send_now(config: WebhooksConfig, region: str, tasks: list[dict[str, Any]]) -> None:
    """Queue attempts to run at once (10 per SendMessageBatch)."""
    url = config.need("deliveries_queue_url")

    def send(chunk: list[dict[str, Any]]) -> None:
        entries = [{"Id": str(n), "MessageBody": json.dumps(t)} for n, t in enumerate(chunk)]
        failed = _sqs(region).send_message_batch(QueueUrl=url, Entries=entries).get("Failed") or []
        if failed:  # the caller's message is retried by SQS: nothing is dropped
            raise RuntimeError(f"could not queue {len(failed)} webhook attempts: {failed[0].get('Message')}")

    chunks = [tasks[start:start + 10] for start in range(0, len(tasks), 10)]
    if len(chunks) == 1:
        send(chunks[0])
        return
    with ThreadPoolExecutor(max_workers=min(8, len(chunks))) as pool:
        list(pool.map(send, chunks))


def send_later(config: WebhooksConfig, region: str, message: dict[str, Any], delay_s: float) -> datetime:
    """Queue one attempt to run after `delay_s` seconds of real time; returns when it is due."""
    due = datetime.now(UTC) + timedelta(seconds=delay_s)
    if delay_s <= MAX_QUEUE_DELAY_S:
        _sqs(region).send_message(QueueUrl=config.need("deliveries_queue_url"), MessageBody=json.dumps(message),
                                  DelaySeconds=max(0, math.ceil(delay_s)))
        return due
    name = f"wh-{message['endpoint_id']}-{message['delivery_id']}-{message['attempt']}"
    try:
        _scheduler(region).create_schedule(
            Name=name, GroupName=config.need("schedule_group"),
            ScheduleExpression=f"at({due.strftime('%Y-%m-%dT%H:%M:%S')})", ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
            Target={"Arn": config.need("deliveries_queue_arn"), "RoleArn": config.need("scheduler_role_arn"),
                    "Input": json.dumps(message)})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConflictException":
            raise  # a schedule of that name exists: this attempt is already planned
    return due


def cancel_schedules(config: WebhooksConfig, region: str, endpoint_id: str) -> int:
    """Delete the endpoint's one-off retry schedules that have not fired (its endpoint is going away); returns
    how many were found."""
    scheduler, group, prefix = _scheduler(region), config.need("schedule_group"), f"wh-{endpoint_id}-"
    names = [s["Name"] for page in scheduler.get_paginator("list_schedules").paginate(GroupName=group,
                                                                                        NamePrefix=prefix)
             for s in page.get("Schedules", []) if s["Name"].startswith(prefix)]
    for name in names:
        try:
            scheduler.delete_schedule(GroupName=group, Name=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise  # fired (and deleted itself) meanwhile: nothing left to cancel
    return len(names)
