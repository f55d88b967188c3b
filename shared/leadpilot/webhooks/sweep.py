"""The delivery sweeper: an attempt whose time came long ago but that never ran (its one-off schedule was lost
when the local cloud restarted, or failed to fire on AWS; its delayed message was lost) is queued again.

Scheduled (template: WebhookSweepFunction). A delivery waiting for an attempt that a schedule or a delayed message
owes is listed in GSI1 under WEBHOOK#RETRYING#<shard> by when that attempt is due (`deliveries.retry_index`,
written with the retry and removed with the delivery's end), so a sweep is one Query per shard of the overdue
range, never a scan. Each overdue entry is pushed forward under a condition before its attempt is queued, so two
sweeps queue it once; and the worker's claim makes a duplicate of an attempt (the lost schedule firing after all)
do nothing, so no attempt is sent twice.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from leadpilot.observability import metrics
from leadpilot.settings import Settings
from leadpilot.webhooks import endpoints, queue
from leadpilot.webhooks.config import webhooks_config
from leadpilot.webhooks.deliveries import RETRYING_SHARDS, retry_unindex, retrying_pk
from leadpilot.webhooks.models import DeliveryItem, EndpointItem
from leadpilot.webhooks.worker import LEASE_S

# How late an attempt may be before it counts as lost: beyond the scheduler's and the queue's own lateness.
GRACE_S = 120
# After queueing an attempt again, when the sweep looks at it again should that attempt not run either.
RECHECK_S = 900
# Entries settled per sweep at most (each costs a conditional update); the rest are the next sweep's.
BUDGET = 1000
THREADS = 10  # botocore keeps 10 connections per client


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def overdue(cutoff: str, budget: int = BUDGET) -> list[DeliveryItem]:
    """Listed deliveries due before `cutoff` (ISO), at most `budget`, shared fairly between the shards."""
    per_shard = math.ceil(budget / RETRYING_SHARDS)
    return [item for shard in range(RETRYING_SHARDS)
            for item in DeliveryItem.gsi1.query(retrying_pk(shard), DeliveryItem.GSI1SK.between("0", cutoff),
                                                limit=per_shard)
            if isinstance(item, DeliveryItem)]


def _next_attempt(item: DeliveryItem, now: int) -> int | None:
    """The attempt to queue again: the next one of a pending delivery, or the one a worker claimed and then
    died making (its lease ran out); None while a worker holds its claim."""
    if item.status == "pending":
        return int(item.attempts) + 1
    if item.status == "sending" and (item.claimed_at is None or int(item.claimed_at) < now - LEASE_S):
        return int(item.attempts)
    return None


def _settle(item: DeliveryItem, actions: list[Action]) -> bool:
    """Change a listed delivery unless it moved on since the sweep read it (an attempt ran, another sweep)."""
    try:
        item.update(actions=actions, condition=(DeliveryItem.attempts == int(item.attempts))
                    & (DeliveryItem.status == item.status) & (DeliveryItem.GSI1SK == item.GSI1SK))
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def _endpoints(items: list[DeliveryItem]) -> set[tuple[str, str]]:
    """The (workspace, endpoint) pairs of these deliveries that still exist (one BatchGetItem per 100)."""
    keys = {(endpoints.endpoints_pk(i.workspace_id), f"ENDPOINT#{i.endpoint_id}") for i in items}
    return {(e.workspace_id, e.endpoint_id) for e in EndpointItem.batch_get(list(keys)) if isinstance(e, EndpointItem)}


def sweep(settings: Settings, now: datetime | None = None, budget: int = BUDGET) -> dict[str, int]:
    """Queue again every attempt overdue by more than the grace period; returns how many entries were overdue,
    queued, held (a worker holds the claim), dropped (the endpoint was deleted) and moved (changed meanwhile)."""
    config = webhooks_config()
    at = now or datetime.now(UTC)
    cutoff = _iso(at - timedelta(seconds=queue.real_delay(config, GRACE_S)))
    recheck = _iso(at + timedelta(seconds=queue.real_delay(config, RECHECK_S)))
    items = overdue(cutoff, budget)
    counts = {"overdue": len(items), "queued": 0, "held": 0, "dropped": 0, "moved": 0}
    if not items:
        return counts
    alive = _endpoints(items)

    def settle(item: DeliveryItem) -> tuple[str, dict[str, Any] | None]:
        if (item.workspace_id, item.endpoint_id) not in alive:  # nothing will ever attempt it: off the list
            return ("dropped" if _settle(item, retry_unindex()) else "moved"), None
        number = _next_attempt(item, int(at.timestamp()))
        if number is None:
            return "held", None
        if not _settle(item, [DeliveryItem.GSI1SK.set(recheck)]):
            return "moved", None
        return "queued", queue.task(item.workspace_id, item.endpoint_id, item.delivery_id, number)

    with ThreadPoolExecutor(max_workers=min(THREADS, len(items))) as pool:
        settled = list(pool.map(settle, items))
    tasks = [task for _, task in settled if task is not None]
    if tasks:
        queue.send_now(config, settings.region, tasks)
        metrics.add_metric(name="WebhookAttemptRequeued", unit="Count", value=len(tasks))
    for outcome, _ in settled:
        counts[outcome] += 1
    return counts
