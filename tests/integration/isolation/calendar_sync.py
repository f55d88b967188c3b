"""Calendar sync for the tenant-isolation suite. The providers' push webhooks take no credentials: the channel's
secret is the credential (tests/integration/test_calendar_sync.py covers forged ones). A connection's calendars
are named by the Google connection the integrations module seeds (`connection_id`); another workspace's id is a 404
before anything is read from the provider or written."""
from __future__ import annotations

from typing import Any

PUBLIC = {("POST", "/calendar-sync/webhooks/google"), ("POST", "/calendar-sync/webhooks/microsoft")}
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/calendar/connections/{connection_id}"): {"conflict_calendars": ["primary"],
                                                         "write_calendar": "primary"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    return {}
