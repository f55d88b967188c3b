"""Helpers of the calendar tests (no tests here): a schedule, an event type, the next offered slots."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.support.apps import Api

EVERY_DAY = {day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def schedule(api: Api, token: str, **extra: Any) -> dict[str, Any]:
    reply = api.post("/availability/schedules", {"name": "Office hours", "timezone": "America/New_York",
                                             "weekly": EVERY_DAY, **extra}, token=token)
    assert reply.status == 201, reply
    return dict(reply.body)


def event_type(api: Api, token: str, slug: str = "intro-call", **extra: Any) -> dict[str, Any]:
    body = {"name": "Intro call", "slug": slug, "durations": [30, 60], "min_notice_minutes": 60,
            "questions": [{"id": "topic", "label": "What about?", "type": "text", "required": True}], **extra}
    reply = api.post("/event-types", body, token=token)
    assert reply.status == 201, reply
    return dict(reply.body)


def booking_page(api: Api, token: str, slug: str = "acme") -> str:
    reply = api.call("PUT", "/booking-page", {"slug": slug}, token=token)
    assert reply.status == 200, reply
    return slug


def days_ahead(n: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=n)).isoformat()


def offered(api: Api, page: str, slug: str, first: str, last: str, timezone: str = "Europe/Paris",
            **query: Any) -> list[dict[str, str]]:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    reply = api.get(f"/book/{page}/{slug}/slots?start={first}&end={last}&timezone={timezone}{extra}")
    assert reply.status == 200, reply
    return list(reply.body["slots"])


def booking(start: str, email: str = "ada@example.com", **extra: Any) -> dict[str, Any]:
    return {"start": start, "timezone": "Europe/Paris", "name": "Ada Lovelace", "email": email,
            "answers": {"topic": "pricing"}, **extra}


def today() -> date:
    return datetime.now(UTC).date()
