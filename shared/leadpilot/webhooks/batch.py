"""A batch of attempts at once: claimed in one transaction, read in one BatchGetItem, sent side by side and
recorded in one transaction, about 3 DynamoDB calls for up to 50 attempts instead of 2 each (the calls, not the
receivers, bound the delivery rate). When a transaction is cancelled (a duplicate message, a takeover, a replay
racing it), its attempts go the one-by-one way of `worker.attempt`, whose conditions decide each as before.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pynamodb.exceptions import TransactWriteError

from leadpilot.clock import now_epoch
from leadpilot.db.base import transaction
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.webhooks import worker
from leadpilot.webhooks.config import webhooks_config
from leadpilot.webhooks.deliveries import deliveries_pk
from leadpilot.webhooks.models import DeliveryItem
from leadpilot.webhooks.worker import Outcome, Planned

THREADS = 10  # botocore keeps 10 connections per client: more threads would wait for one
ERROR = "error"  # the attempt raised: its message is reported for redelivery
T = TypeVar("T")
Done = tuple[Planned, DeliveryItem, Outcome, str, "str | None"]  # an attempt made: its status and next try


def _each(items: list[T], fn: Callable[[T], str]) -> list[str]:
    """fn on every item side by side; an item whose fn raised is ERROR (and logged)."""
    def guarded(item: T) -> str:
        try:
            return fn(item)
        except Exception:
            logger.exception("webhook attempt failed")
            return ERROR

    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(THREADS, len(items))) as pool:
        return list(pool.map(guarded, items))


def _key(planned: Planned) -> tuple[str, str]:
    m = planned.message
    return deliveries_pk(m["workspace_id"], m["endpoint_id"]), f"DELIVERY#{m['delivery_id']}"


def _claim_all(settings: Settings, batch: list[Planned]) -> bool:
    """Claim every attempt in one transaction; False when any is not freshly claimable (nothing claimed)."""
    now = now_epoch()
    try:
        with transaction(settings) as txn:
            for planned in batch:
                number = int(planned.message["attempt"])
                txn.update(DeliveryItem(*_key(planned)), actions=worker.claim_actions(number, now),
                           condition=worker.claimable(number))
    except TransactWriteError as exc:
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            return False
        raise
    return True


def _record_all(settings: Settings, done: list[Done]) -> bool:
    """Log every attempt in one transaction; False when a claim was lost meanwhile (nothing logged)."""
    try:
        with transaction(settings) as txn:
            for planned, item, outcome, status, next_at in done:
                number = int(planned.message["attempt"])
                txn.update(item, actions=worker.record_actions(item, number, outcome, status, next_at),
                           condition=DeliveryItem.attempts == number)
    except TransactWriteError as exc:
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons or []):
            return False
        raise
    return True


def run(settings: Settings, planned: list[Planned]) -> list[str]:
    """Every attempt of a batch; what happened to each, in order (worker.attempt's words, or ERROR)."""
    results = ["skipped"] * len(planned)
    seen: set[tuple[str, str]] = set()
    fast: list[int] = []
    slow: list[int] = []
    for n, one in enumerate(planned):
        if one.endpoint is None or _key(one) in seen:
            continue  # a deleted endpoint, or the same message twice in the batch
        seen.add(_key(one))
        (fast if one.endpoint.enabled and one.admitted else slow).append(n)
    if (len(fast) > 1 and not _claim_all(settings, [planned[n] for n in fast])) or len(fast) == 1:
        slow, fast = slow + fast, []
    if fast:
        _run_claimed(settings, planned, fast, results)
    for n, result in zip(slow, _each(slow, lambda n: worker.attempt(settings, planned[n].message, planned[n])),
                         strict=True):
        results[n] = result
    return results


def _word(status: str) -> str:
    return {"succeeded": "sent", "pending": "retry"}.get(status, "failed")


def _run_claimed(settings: Settings, planned: list[Planned], fast: list[int], results: list[str]) -> None:
    """Send the claimed attempts and record them; when the records cannot go together, one by one."""
    config = webhooks_config()
    items = {(i.PK, i.SK): i for i in DeliveryItem.batch_get([_key(planned[n]) for n in fast], consistent_read=True)}
    done: dict[int, Done] = {}

    def deliver(n: int) -> str:
        one, item = planned[n], items[_key(planned[n])]
        assert one.endpoint is not None
        outcome = worker.send(one.endpoint, item)
        status, next_at = worker.conclude(settings, config, one.endpoint, item, outcome, int(one.message["attempt"]))
        done[n] = (one, item, outcome, status, next_at)
        return _word(status)

    for n, word in zip(fast, _each(fast, deliver), strict=True):
        results[n] = word
    metrics.add_metric(name="WebhookAttempt", unit="Count", value=len(done))
    if done and not _record_all(settings, list(done.values())):
        order = list(done)
        for n, word in zip(order, _each(order, lambda n: _record_one(*done[n])), strict=True):
            results[n] = word


def _record_one(one: Planned, item: DeliveryItem, outcome: Outcome, status: str, next_at: str | None) -> str:
    worker.record(item, int(one.message["attempt"]), outcome, status, next_at)
    return _word(status)
