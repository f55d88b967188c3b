"""Calendar sync for the tenant-isolation suite. Its only routes are the providers' push webhooks, which take no
credentials: the channel's secret is the credential (tests/integration/test_calendar_sync.py covers forged ones)."""
from __future__ import annotations

from typing import Any

PUBLIC = {("POST", "/calendar-sync/webhooks/google"), ("POST", "/calendar-sync/webhooks/microsoft")}
BODIES: dict[tuple[str, str], Any] = {}


def seed(api: Any, token: str) -> dict[str, str]:
    return {}
