"""One place for 'now', so tests and logic agree on time formats."""
from __future__ import annotations

import time
from datetime import UTC, datetime


def now_epoch() -> int:
    """Seconds since the epoch."""
    return int(time.time())


def now_iso() -> str:
    """Current UTC time as ISO 8601 with milliseconds and a Z suffix."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_to_iso(epoch: int) -> str:
    """An epoch second as ISO 8601 UTC."""
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
