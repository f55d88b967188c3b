"""Fake Google Calendar and Graph for tests, on their own port, accepting the OAuth stub's tokens; calendar sync
pointed at them (and at a public base for its push channels) until the block ends."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from infra.local.calendar_fakes import FakeCalendars, serve
from infra.local.oauth_stub import OAuthStub
from leadpilot.calendar_sync.config import sync_config

WEBHOOK_BASE = "https://api.leadpilot.test"


@contextmanager
def fake_calendars(oauth: OAuthStub | None) -> Iterator[FakeCalendars]:
    """Accepting the stub's tokens (any bearer token without one: for tests that only read calendars)."""
    with serve(lambda token: oauth is None or token in oauth.access_tokens) as fake:
        env = {"GOOGLE_CALENDAR_API_URL": fake.google_api, "GRAPH_API_URL": fake.graph_api,
               "CALENDAR_WEBHOOK_BASE_URL": WEBHOOK_BASE}
        previous = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        sync_config.cache_clear()
        try:
            yield fake
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            sync_config.cache_clear()
