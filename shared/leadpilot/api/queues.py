"""Queue consumers: Powertools' partial batch processing, loaded on first use.

Routes and queue handlers share a module (one Chalice app per capability); importing the batch
utilities eagerly cost the HTTP functions ~140 ms of every cold start. A BatchProcessor holds the
state of the batch it is processing, so each invocation gets its own: one shared between consumers
mixed their records up whenever two ran at once in one process (the local cloud's function host).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadpilot import request_context
from leadpilot.observability import logger


def process_sqs_batch(event: dict[str, Any], context: Any, handler: Callable[[Any], None], *,
                      raise_on_entire_batch_failure: bool = True, logs_its_failures: bool = False) -> dict[str, Any]:
    """Run `handler` on each SQS record; failed records are reported for redelivery (ReportBatchItemFailures).

    A consumer that schedules its own redeliveries (ChangeMessageVisibility) passes False, so a batch whose
    every record is postponed is reported like any other instead of failing the invocation.

    A record that fails is logged with its error and traceback, its message id and which delivery it was
    (Powertools logs it at debug only, so the cause of a redelivery, or of a message in a dead-letter queue, was
    nowhere); a handler that logs its own failures passes logs_its_failures=True."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=raise_on_entire_batch_failure)

    def as_its_caller(record: Any) -> None:  # work queued during an impersonation records both names
        with request_context.resumed(request_context.carried_by(record.raw_event)):
            try:
                handler(record)
            except Exception:
                if not logs_its_failures:
                    raw = record.raw_event
                    logger.exception("queued message failed; the queue delivers it again", extra={
                        "message_id": raw.get("messageId"), "queue": str(raw.get("eventSourceARN")).rsplit(":", 1)[-1],
                        "delivery": int((raw.get("attributes") or {}).get("ApproximateReceiveCount") or 1)})
                raise

    return dict(process_partial_response(event=event, record_handler=as_its_caller, processor=processor,
                                         context=context))
