"""Calendar sync's configuration, read once: where Google Calendar and Graph live, where they send pushes."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from leadpilot.errors import ConfigurationError

GOOGLE_API = "https://www.googleapis.com/calendar/v3/"
GRAPH_API = "https://graph.microsoft.com/v1.0"


@dataclass(frozen=True)
class SyncConfig:
    google_api_url: str  # the Calendar API's base (a local fake on the local cloud and in tests)
    graph_api_url: str  # Microsoft Graph's base, no trailing slash
    webhook_base_url: str  # the public API base that providers push to ("" means: no push, sync on schedule)
    window_days: int = 60  # how far ahead busy times are cached
    timeout_s: int = 10


def load_sync_config(env: dict[str, str] | None = None) -> SyncConfig:
    """Build the configuration from an environment mapping."""
    env = dict(os.environ if env is None else env)
    google = env.get("GOOGLE_CALENDAR_API_URL", "").strip() or GOOGLE_API
    return SyncConfig(
        google_api_url=google.rstrip("/") + "/",
        graph_api_url=(env.get("GRAPH_API_URL", "").strip() or GRAPH_API).rstrip("/"),
        webhook_base_url=(env.get("CALENDAR_WEBHOOK_BASE_URL", "").strip()
                          or env.get("PUBLIC_BASE_URL", "").strip()).rstrip("/"),
        window_days=_days(env.get("CALENDAR_BUSY_WINDOW_DAYS", "")))


def _days(raw: str) -> int:
    raw = raw.strip() or "60"
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 366:
        raise ConfigurationError(f"CALENDAR_BUSY_WINDOW_DAYS must be a number of days from 1 to 366, got {raw!r}")
    return int(raw)


@lru_cache(maxsize=1)
def sync_config() -> SyncConfig:
    """The process-wide configuration, read at first use."""
    return load_sync_config()
