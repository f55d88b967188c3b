"""Calendar resources for the tenant-isolation suite. The booking page routes are public: the workspace's booking
slug (or id) and the event type's slug name the page, and a signed link names one appointment; every lookup
behind them is keyed by that workspace (tests/integration/test_calendar_booking.py shows another tenant's slug
and a forged link get 404)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

PUBLIC = {("GET", "/book/{workspace}/{slug}"), ("GET", "/book/{workspace}/{slug}/slots"),
          ("POST", "/book/{workspace}/{slug}/holds"), ("POST", "/book/{workspace}/{slug}/bookings"),
          ("GET", "/bookings/{token}"), ("POST", "/bookings/{token}/reschedule"),
          ("POST", "/bookings/{token}/cancel")}
_HOURS = {day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
_LATER = (datetime.now(UTC) + timedelta(days=9)).replace(hour=15, minute=0, second=0, microsecond=0)
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/availability/schedules"): {"name": "B hours", "timezone": "UTC", "weekly": {}},
    ("PATCH", "/availability/schedules/{schedule_id}"): {"name": "Stolen"},
    ("POST", "/event-types"): {"name": "B call", "slug": "b-call", "durations": [15]},
    ("PATCH", "/event-types/{event_type_id}"): {"name": "Stolen"},
    ("PUT", "/booking-page"): {"slug": "b-page"},
    ("POST", "/appointments/{appointment_id}/reschedule"): {"start": _LATER.isoformat()},
    ("POST", "/appointments/{appointment_id}/cancel"): {"reason": "stolen"},
}


def seed(api: Any, token: str) -> dict[str, str]:
    schedule = api.post("/availability/schedules", {"name": "A hours", "timezone": "UTC", "weekly": _HOURS},
                        token=token).body
    event_type = api.post("/event-types", {"name": "Secret call", "slug": "secret-call", "durations": [30],
                                           "min_notice_minutes": 0}, token=token).body
    api.call("PUT", "/booking-page", {"slug": "alpha-page"}, token=token)
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    slots = api.get(f"/book/alpha-page/secret-call/slots?start={day}&end={day}&timezone=UTC").body["slots"]
    booked = api.post("/book/alpha-page/secret-call/bookings",
                      {"start": slots[0]["start"], "timezone": "UTC", "name": "Secret Booker",
                       "email": "secret.booker@example.com"}).body
    return {"schedule_id": schedule["id"], "event_type_id": event_type["id"],
            "appointment_id": booked["appointment"]["id"], "workspace": "alpha-page", "slug": "secret-call",
            "token": booked["manage_token"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"secret.booker@example.com", "Secret call"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"schedule": api.get(f"/availability/schedules/{ids['schedule_id']}", token=token).body,
            "event_type": api.get(f"/event-types/{ids['event_type_id']}", token=token).body,
            "appointment": api.get(f"/appointments/{ids['appointment_id']}", token=token).body}
