"""Usage configuration, read once from the environment: who platform reports are sent from."""
from __future__ import annotations

import os
from functools import lru_cache

DEFAULT_SENDER = "reports@leadpilot.local"


@lru_cache(maxsize=1)
def report_sender() -> str:
    """The From address of the platform's usage and reconciliation reports (USAGE_REPORTS_FROM)."""
    return os.environ.get("USAGE_REPORTS_FROM", "").strip() or DEFAULT_SENDER
