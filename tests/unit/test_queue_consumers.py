"""Queue consumers running at the same time in one process keep their batches apart."""
from __future__ import annotations

import json
import threading
from typing import Any

from leadpilot import request_context
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
