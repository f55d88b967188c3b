"""Outgoing webhooks without AWS: the shipped catalogue, the retry schedule, Retry-After, one-off schedules."""
from __future__ import annotations

from datetime import UTC, datetime

from infra import event_catalogue
from infra.local.one_off import due_time
from leadpilot.webhooks.worker import SCHEDULE_S, Outcome, next_delay, retry_after


def test_the_shipped_catalogue_is_every_event_schema_with_its_sample() -> None:
    # Given events/schemas and events/eventbridge, When the catalogue is built, Then the shipped file is it
    assert event_catalogue.main(["--check"]) == 0, "run python -m infra.event_catalogue"


def test_retries_follow_the_standard_webhooks_schedule_and_retry_after_only_delays_them() -> None:
    # Given failed tries, Then each next one waits as the specification says, and stops after the tenth
    failed = Outcome(500, 3, "", "answered 500")
    assert [next_delay(n, failed) for n in range(1, 11)] == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000,
                                                               86400, None]
    assert SCHEDULE_S[0] == 0
    # And a 429/503's Retry-After pushes a retry later (capped at a day), never sooner; other codes ignore it
    assert next_delay(1, Outcome(429, 3, "", "x", retry_after_s=3600)) == 3600
    assert next_delay(2, Outcome(503, 3, "", "x", retry_after_s=10)) == 300
    assert next_delay(1, Outcome(503, 3, "", "x", retry_after_s=10 ** 7)) == 86400
    assert next_delay(1, Outcome(500, 3, "", "x", retry_after_s=3600)) == 5


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC).timestamp()
    assert retry_after("120", now) == 120
    assert retry_after("Sun, 06 Dec 2026 12:10:00 GMT", now) == 600
    assert retry_after("soon", now) is None and retry_after(None, now) is None


def test_one_off_schedules_fire_at_the_time_they_name() -> None:
    assert due_time("at(2026-12-06T13:05:00)") == datetime(2026, 12, 6, 13, 5, tzinfo=UTC)
    assert due_time("rate(5 minutes)") is None
