"""Queue consumers running at the same time in one process keep their batches apart."""
from __future__ import annotations

import threading
from typing import Any

from leadpilot.api.queues import process_sqs_batch


def _event(prefix: str, n: int) -> dict[str, Any]:
    return {"Records": [{"messageId": f"{prefix}{i}", "receiptHandle": "r", "body": f"{prefix}{i}", "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}
                        for i in range(n)]}


def test_two_consumers_at_once_each_see_only_their_records() -> None:
    # Given two consumers whose handlers overlap in time
    barrier = threading.Barrier(2, timeout=5)
    seen: dict[str, list[str]] = {"a": [], "b": []}
    results: dict[str, Any] = {}

    def handler_for(name: str) -> Any:
        def handle(record: Any) -> None:
            if not seen[name]:
                barrier.wait()  # both batches are in flight now
            seen[name].append(record.body)
            if record.body == f"{name}1":
                raise ValueError("this record fails")
        return handle

    def run(name: str) -> None:
        results[name] = process_sqs_batch(_event(name, 3), None, handler_for(name))

    # When both run concurrently
    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # Then each handled exactly its own records and reports only its own failure
    assert seen == {"a": ["a0", "a1", "a2"], "b": ["b0", "b1", "b2"]}
    assert results == {"a": {"batchItemFailures": [{"itemIdentifier": "a1"}]},
                       "b": {"batchItemFailures": [{"itemIdentifier": "b1"}]}}
