"""One place for 'now', so tests and logic agree on time formats."""
from __future__ import annotations

import time
from collections.abc import Mapping
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


def time_speed_up(env: Mapping[str, str]) -> float:
    """LEADPILOT_TIME_SCALE: how many times faster than real time flow and message delays run (default 1;
    259200 makes three days last a second). Anything but a number in (0, 10,000,000] fails loudly."""
    from leadpilot.errors import ConfigurationError

    raw = env.get("LEADPILOT_TIME_SCALE", "1").strip() or "1"
    try:
        speed = float(raw)
    except ValueError as exc:
        raise ConfigurationError("LEADPILOT_TIME_SCALE must be a positive number") from exc
    if not 0 < speed <= 10_000_000:
        raise ConfigurationError("LEADPILOT_TIME_SCALE must be a number above 0 and at most 10,000,000")
    return speed
