"""Backoff for the action worker's transient failures: a message comes back after a delay of our choosing
(ChangeMessageVisibility) instead of the queue's visibility timeout."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from leadpilot.observability import logger


@lru_cache(maxsize=4)
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


def postpone(region: str, queue_url: str, receipt_handle: str, delay_s: int) -> None:
    """Make a received message visible again in `delay_s` seconds (best effort: else the queue's own timeout)."""
    try:
        _sqs(region).change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle,
                                               VisibilityTimeout=delay_s)
    except ClientError:
        logger.exception("could not shorten the message's visibility; the queue's timeout applies")
