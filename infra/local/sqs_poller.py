"""Lambda's SQS event-source mapping: long-poll a queue, invoke with a batch, delete what succeeded."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3

from infra.local.model import SqsSource

log = logging.getLogger("infra.local.sqs")
# Long-poll wait, Lambda's mappings' 20 s. moto looks at the queue again every second meanwhile, so a delayed
# message is still seen within a second; a poll every second per queue kept an idle cloud a sixth of a core busy,
# and one every 5 s 2.3 CPU-seconds a minute between the host and moto (1.6 with 20 s).
# stop() does not wait for an idle poll (see FunctionHost.stop).
WAIT_SECONDS = 20
WINDOW_POLL_S = 0.2  # how often a batching window looks for more messages
# Lambda's mapping adds pollers while a queue has a backlog. Here a queue whose batches come full gets one more
# poller: its receives and deletes overlap the other's invocation (the function's invocations still take turns,
# FunctionHost.invoke), so a backlog drains without waiting on SQS between batches.
POLLERS_UNDER_BACKLOG = 2


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the SQS event Lambda sends, from a ReceiveMessage message."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return converted


def failed_message_ids(result: Any, message_ids: list[str]) -> set[str]:
    """Which messages a ReportBatchItemFailures response marks failed (all, if it is invalid)."""
    # Lambda's rules: a null/empty response or list is full success; an empty, missing or
    # unknown itemIdentifier makes the whole batch a failure.
    if not result:
        return set()
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not failures:
        return set()
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in message_ids:
            log.warning("invalid batchItemFailures entry %r: the whole batch is retried", failure)
            return set(message_ids)
        failed.add(identifier)
    return failed


class SqsPoller:
    """Polls one queue for one function, the way an event-source mapping does."""

    def __init__(self, invoke: Callable[[str, Any], Any], function_id: str, source: SqsSource, region: str,
                 session: boto3.session.Session) -> None:
        self._invoke = invoke
        self.function_id = function_id
        self.source = source
        self.region = region
        self.name = f"{function_id}.{source.event_name}"
        # A client of its own (each long-polls on its own connection), made from the host's one session: a new
        # session reads SQS's service model again, about 90 ms of CPU per poller at every start.
        self._sqs = session.client("sqs")
        self._handling = 0  # batches being handled: a stop waits for them to end
        self._counting = threading.Lock()
        self._backlog = threading.Event()  # the last batch came full: the helpers poll too
        self.helpers = POLLERS_UNDER_BACKLOG - 1

    @property
    def busy(self) -> bool:
        """True while a batch is being handled."""
        return self._handling > 0

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.poll_once(stop=stop)
            except Exception:
                if stop.is_set():
                    break  # the cloud is shutting down under us
                log.exception("poller %s failed; retrying in 1 s", self.name)
                stop.wait(1)

    def run_helper(self, stop: threading.Event) -> None:
        """Poll (without waiting on an empty queue) while the queue has a backlog, until ``stop`` is set."""
        while not stop.is_set():
            if not self._backlog.wait(1):
                continue
            try:
                self.poll_once(wait_seconds=0, stop=stop)
            except Exception:
                if stop.is_set():
                    break
                log.exception("poller %s failed; retrying in 1 s", self.name)
                stop.wait(1)

    def _receive(self, wait_seconds: int, most: int = 10) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, most, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _gather(self, wait_seconds: int) -> list[dict[str, Any]]:
        """One batch: a long poll, then, as Lambda does with MaximumBatchingWindowInSeconds, more receives until
        the batch is full or the window from the first message ends. Events that trickle in then reach the
        function together (one invocation, one set of reads and writes) instead of one per invocation."""
        messages = self._receive(wait_seconds)
        if not messages:
            return messages
        deadline = time.monotonic() + self.source.batching_window_s
        while len(messages) < self.source.batch_size and time.monotonic() < deadline:
            more = self._receive(0, self.source.batch_size - len(messages))
            messages += more
            if not more:  # an empty queue: look again shortly, not in a busy loop
                time.sleep(max(0.0, min(WINDOW_POLL_S, deadline - time.monotonic())))
        return messages

    def poll_once(self, wait_seconds: int = WAIT_SECONDS, stop: threading.Event | None = None) -> int:
        """Receive one batch and process it; returns how many messages were received."""
        messages = self._gather(wait_seconds)
        if len(messages) < self.source.batch_size:
            self._backlog.clear()
        if not messages:
            return 0
        with self._counting:  # before looking at `stop`: a stop that finds it idle knows no batch will start
            self._handling += 1
        try:
            if stop is not None and stop.is_set():  # received as the cloud stops: back at once for the next start,
                self._release(messages)  # not after the queue's visibility timeout
                return 0
            if len(messages) == self.source.batch_size:
                self._backlog.set()
            return self._handle(messages)
        finally:
            with self._counting:
                self._handling -= 1

    def _release(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                       for i, m in enumerate(messages[start:start + 10])]
            self._sqs.change_message_visibility_batch(QueueUrl=self.source.queue_url, Entries=entries)

    def _handle(self, messages: list[dict[str, Any]]) -> int:
        event = {"Records": [sqs_record(m, self.source.queue_arn, self.region) for m in messages]}
        try:
            result = self._invoke(self.function_id, event)
        except Exception:
            # Nothing is deleted: the messages come back after the visibility timeout and
            # reach the DLQ after maxReceiveCount receives, as with Lambda.
            log.exception("%s raised on a batch of %d from %s", self.function_id, len(messages), self.name)
            return len(messages)
        ids = [m["MessageId"] for m in messages]
        failed = failed_message_ids(result, ids) if self.source.reports_batch_item_failures else set()
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):  # DeleteMessageBatch takes 10 at most
            chunk = done[start:start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            response = self._sqs.delete_message_batch(QueueUrl=self.source.queue_url, Entries=entries)
            for failure in response.get("Failed", []):
                log.warning("could not delete a message from %s: %s", self.name, failure)
        if failed:
            log.info("%s: %d of %d messages reported failed", self.name, len(failed), len(messages))
        return len(messages)
