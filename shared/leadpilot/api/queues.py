"""Queue consumers: Powertools' partial batch processing, loaded on first use.

Routes and queue handlers share a module (one Chalice app per capability); importing the batch
utilities eagerly cost the HTTP functions ~140 ms of every cold start.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _processor() -> Any:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    return BatchProcessor(event_type=EventType.SQS)


def process_sqs_batch(event: dict[str, Any], context: Any, handler: Callable[[Any], None]) -> dict[str, Any]:
    """Run `handler` on each SQS record; failed records are reported for redelivery (ReportBatchItemFailures)."""
    from aws_lambda_powertools.utilities.batch import process_partial_response

    return dict(process_partial_response(event=event, record_handler=handler, processor=_processor(),
                                         context=context))
