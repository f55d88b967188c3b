"""Queue consumers running at the same time in one process keep their batches apart."""
from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from leadpilot import request_context
from leadpilot.api.queues import process_sqs_batch
from leadpilot.observability import logger


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


def test_each_record_is_handled_as_the_impersonation_that_queued_it() -> None:
    with request_context.serving(None):  # the test's thread starts and ends with no caller
        _handled_as_their_impersonation()
    assert request_context.current() == request_context.Caller()


def _handled_as_their_impersonation() -> None:
    # Given three records: an event made during an impersonation (EventBridge's envelope), work queued during one
    # (its message attribute), and plain work
    admin, user = {"type": "user", "id": "admin"}, {"type": "user", "id": "user"}
    event = {"detail-type": "contact.created", "detail": {"id": "e1", "actor": admin, "subject": user}}
    request_context.act(admin, user, "imp1")
    attributes = {name: {"dataType": a["DataType"], "stringValue": a["StringValue"]}
                  for name, a in request_context.message_attributes().items()}
    request_context.act({"type": "system", "id": "worker"})  # what the consumer itself is
    records: list[dict[str, Any]] = [{"messageId": "1", "body": json.dumps(event)},
               {"messageId": "2", "body": "{}", "messageAttributes": attributes},
               {"messageId": "3", "body": json.dumps({"detail": {"actor": admin}})}]
    seen: dict[str, request_context.Caller] = {}

    # When a consumer handles them
    def handle(record: Any) -> None:
        seen[record.message_id] = request_context.current()

    process_sqs_batch({"Records": [{**r, "receiptHandle": "h", "eventSource": "aws:sqs"} for r in records]}, None,
                      handle)

    # Then the first two are handled as the admin acting for the user, the third as the consumer, which it is again
    assert (seen["1"].actor, seen["1"].subject) == (admin, user)
    assert (seen["2"].actor, seen["2"].subject, seen["2"].impersonation_id) == (admin, user, "imp1")
    assert (seen["3"].actor, seen["3"].subject) == ({"type": "system", "id": "worker"}, None)
    assert request_context.current().subject is None


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines the functions' logger writes meanwhile."""
    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def test_a_failed_record_is_logged_with_its_error_and_delivery(
        log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    # Given a batch of two whose second record fails on its third delivery
    event = _event("m", 2)
    event["Records"][1]["attributes"] = {"ApproximateReceiveCount": "3"}

    def handle(record: Any) -> None:
        if record.message_id == "m1":
            raise KeyError("no such contact")

    # When a consumer handles it
    result = process_sqs_batch(event, None, handle)

    # Then the record is reported for redelivery and one line says why, with its traceback
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    lines = log_lines()
    failed = [line for line in lines if line.get("message_id") == "m1"]
    assert len(failed) == 1 and failed[0]["level"] == "ERROR"
    assert (failed[0]["queue"], failed[0]["delivery"]) == ("q", 3)
    assert "KeyError: 'no such contact'" in failed[0]["exception"]
    assert not [line for line in lines if line.get("message_id") == "m0"]


def test_a_consumer_that_logs_its_own_failures_is_not_logged_twice(
        log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    def handle(record: Any) -> None:
        raise RuntimeError("logged by the handler")

    result = process_sqs_batch(_event("n", 1), None, handle, raise_on_entire_batch_failure=False,
                               logs_its_failures=True)

    assert result == {"batchItemFailures": [{"itemIdentifier": "n0"}]}
    assert log_lines() == []
