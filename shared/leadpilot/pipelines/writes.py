"""One DynamoDB transaction of pipeline/deal changes: items, merged counter deltas, events.

Each condition carries the domain error it means when it fails, so a cancelled transaction is
reported as the 409/422 of the condition that failed and nothing is half-applied. DynamoDB
refuses two operations on one item in a transaction, so counter deltas are merged per item.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition

from leadpilot.db.base import transaction
from leadpilot.db.crm_models import ActivityItem
from leadpilot.errors import Conflict, DomainError
from leadpilot.events.outbox import publish_now
from leadpilot.observability import metrics
from leadpilot.pipelines.models import PipelineStatsItem
from leadpilot.settings import Settings

MAX_ITEMS = 100  # DynamoDB's limit of items per transaction
_RETRIES = 3
Failure = Callable[[], DomainError]


def _stale() -> DomainError:
    return Conflict("the deal or pipeline was changed by another request; reload and retry",
                    {"reason": "concurrent_modification"})


class Writes:
    """Collects one transaction; `commit` writes it atomically and then publishes its events."""

    def __init__(self) -> None:
        self._checks: dict[tuple[str, str], tuple[Any, Condition, Failure]] = {}
        self._deletes: list[tuple[Any, Condition | None, Failure]] = []
        self._puts: list[tuple[Any, Condition | None, Failure]] = []
        self._updates: list[tuple[Any, list[Any], Condition | None, Failure]] = []
        self._stats: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
        self.events: list[ActivityItem] = []
        self.metrics: list[str] = []

    def check(self, model: Any, pk: str, sk: str, condition: Condition, failure: Failure = _stale) -> None:
        """A condition on an item this transaction does not write (one per item: the first one stays)."""
        self._checks.setdefault((pk, sk), (model, condition, failure))

    def delete(self, item: Any, condition: Condition | None = None, failure: Failure = _stale) -> None:
        self._deletes.append((item, condition, failure))

    def put(self, item: Any, condition: Condition | None = None, failure: Failure = _stale) -> None:
        self._puts.append((item, condition, failure))

    def update(self, item: Any, actions: list[Any], condition: Condition | None = None,
               failure: Failure = _stale) -> None:
        self._updates.append((item, actions, condition, failure))

    def event(self, item: ActivityItem, metric: str) -> None:
        self.events.append(item)
        self.put(item, ActivityItem.PK.does_not_exist())
        self.metrics.append(metric)

    def count(self, pk: str, sk: str, sign: int, value: Decimal, weighted: Decimal) -> None:
        """Add (sign=+1) or remove (-1) one deal's contribution to a counter item."""
        totals = self._stats[(pk, sk)]
        totals[0] += sign
        totals[1] += sign * value
        totals[2] += sign * weighted

    def _stat_updates(self) -> list[tuple[Any, list[Any]]]:
        out = []
        for (pk, sk), (n, value, weighted) in self._stats.items():
            if n or value or weighted:
                out.append((PipelineStatsItem(pk, sk), [
                    PipelineStatsItem.deal_count.add(int(n)), PipelineStatsItem.value.add(value),
                    PipelineStatsItem.weighted.add(weighted), PipelineStatsItem.kind.set(PipelineStatsItem)]))
        return out

    def size(self) -> int:
        return (len(self._checks) + len(self._deletes) + len(self._puts) + len(self._updates)
                + len(self._stat_updates()))

    def _failures(self) -> list[Failure]:
        """The failure of each operation in the order pynamodb sends them: checks, deletes, puts, updates."""
        return ([c[2] for c in self._checks.values()] + [d[2] for d in self._deletes] + [p[2] for p in self._puts]
                + [u[3] for u in self._updates] + [_stale for _ in self._stat_updates()])

    def _write(self, settings: Settings) -> None:
        with transaction(settings) as txn:
            for (pk, sk), (model, condition, _) in self._checks.items():
                txn.condition_check(model, pk, sk, condition=condition)
            for item, when, _ in self._deletes:
                txn.delete(item, condition=when)
            for item, when, _ in self._puts:
                txn.save(item, condition=when)
            for item, actions, when, _ in self._updates:
                txn.update(item, actions=actions, condition=when)
            for item, actions in self._stat_updates():
                txn.update(item, actions=actions)

    def commit(self, settings: Settings) -> None:
        """Write atomically (retrying transaction conflicts), then publish the events; no-op when empty."""
        if not self.size():
            return
        for attempt in range(_RETRIES):
            try:
                self._write(settings)
                break
            except TransactWriteError as exc:
                reasons = exc.cancellation_reasons or []
                for failure, reason in zip(self._failures(), reasons, strict=False):
                    if reason is not None and reason.code == "ConditionalCheckFailed":
                        raise failure() from exc
                if not any(r is not None and r.code == "TransactionConflict" for r in reasons):
                    raise
                if attempt == _RETRIES - 1:
                    raise Conflict("the pipeline is busy; retry", {"reason": "transaction_conflict"}) from exc
                time.sleep(0.05 * 2 ** attempt)
        for name in self.metrics:
            metrics.add_metric(name=name, unit="Count", value=1)
        if self.events:
            publish_now(settings, self.events)
