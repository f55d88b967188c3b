"""Minute-bucket checkpoints of the platform's schedulers (task reminders, flow schedules): the last minute
bucket fully processed, which only ever moves forward (a slower concurrent run must not move it back)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

_FORMAT = "%Y-%m-%dT%H:%M"


def load(model: Any, key: tuple[str, str]) -> datetime | None:
    """The checkpoint's minute (UTC), or None before the first run."""
    try:
        bucket = model.get(*key, consistent_read=True).bucket
    except DoesNotExist:
        return None
    return datetime.strptime(bucket, _FORMAT).replace(tzinfo=UTC)


def advance(model: Any, key: tuple[str, str], bucket: datetime, updated_at: str) -> None:
    """Move the checkpoint forward to `bucket` (never back)."""
    value = bucket.astimezone(UTC).strftime(_FORMAT)
    item = model(*key, bucket=value, updated_at=updated_at)
    try:
        item.save(condition=model.bucket.does_not_exist() | (model.bucket < value))
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
