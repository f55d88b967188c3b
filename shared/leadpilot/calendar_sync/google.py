"""Google Calendar through google-api-python-client, built from the discovery document it ships (no network).

Each call sends the vault's access token; `api_endpoint` points the client at a local fake in tests and on the
local cloud. Events written for an appointment get an id derived from it, so a repeated insert is a 409, not a
second event.
"""
from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from leadpilot.calendar_sync.providers import (
    PRIMARY,
    Calendar,
    Change,
    EventBody,
    Interval,
    ProviderError,
    SyncTokenExpired,
    TokenRejected,
    Watch,
)

CALENDAR = PRIMARY  # where the link's own push channel and incremental sync look; other calendars have their own
WRITERS = ("owner", "writer")


class GoogleCalendar:
    """The Calendar API calls calendar sync makes (one client per process, built on first use)."""

    def __init__(self, api_url: str, timeout_s: int) -> None:
        self.api_url, self.timeout_s = api_url, timeout_s
        self._service: Any = None
        self._local = threading.local()  # httplib2 connections are not thread-safe; the service object is

    def _http(self) -> Any:
        if getattr(self._local, "http", None) is None:
            import httplib2

            self._local.http = httplib2.Http(timeout=self.timeout_s)
        return self._local.http

    def _events(self) -> Any:
        return self._client().events()

    def _client(self) -> Any:
        if self._service is None:  # lazy: googleapiclient costs ~200 ms of cold start
            import httplib2
            from googleapiclient.discovery import build

            # The discovery document ships with the library (no network); each call passes its own connection.
            self._service = build("calendar", "v3", http=httplib2.Http(timeout=self.timeout_s),
                                  static_discovery=True, cache_discovery=False,
                                  client_options={"api_endpoint": self.api_url})
        return self._service

    def calendars(self, token: str) -> list[Calendar]:
        """Every calendar in the account's calendar list (paged)."""
        found: list[Calendar] = []
        page: str | None = None
        while True:
            reply = self._run(self._client().calendarList().list(maxResults=250, pageToken=page), token)
            found.extend(Calendar(str(c["id"]), str(c.get("summaryOverride") or c.get("summary") or c["id"]),
                                  bool(c.get("primary")), c.get("accessRole") in WRITERS)
                         for c in reply.get("items", []))
            page = reply.get("nextPageToken")
            if not page:
                return found

    def busy(self, token: str, start: int, end: int, calendars: Sequence[str] = (PRIMARY,)) -> list[Interval]:
        """Busy times of the calendars in one freeBusy query; a calendar Google cannot read (gone, unshared)
        reports errors and no busy time."""
        if not calendars:
            return []
        body = {"timeMin": _iso(start), "timeMax": _iso(end), "items": [{"id": c} for c in calendars]}
        reply = self._run(self._client().freebusy().query(body=body), token)
        answered = reply.get("calendars", {})
        busy = [b for c in calendars for b in answered.get(c, {}).get("busy", [])]
        return [(_epoch(b["start"]), _epoch(b["end"])) for b in busy]

    def create_event(self, token: str, event: EventBody, calendar: str = PRIMARY) -> str:
        event_id = event_id_of(event.key)
        try:
            self._run(self._events().insert(calendarId=calendar, body={"id": event_id, **_body(event)}), token)
        except _Conflict:  # inserted before (a redelivery after a crash): bring it up to date instead
            self.update_event(token, event_id, event, calendar)
        return event_id

    def update_event(self, token: str, external_id: str, event: EventBody, calendar: str = PRIMARY) -> None:
        self._run(self._events().patch(calendarId=calendar, eventId=external_id, body=_body(event)), token)

    def delete_event(self, token: str, external_id: str, calendar: str = PRIMARY) -> None:
        with contextlib.suppress(_Gone):  # already deleted (by us before, or by the host)
            self._run(self._events().delete(calendarId=calendar, eventId=external_id), token)

    def watch(self, token: str, address: str, secret: str, ttl_s: int, calendar: str = CALENDAR) -> Watch:
        body = {"id": secrets.token_hex(16), "type": "web_hook", "address": address, "token": secret,
                "params": {"ttl": str(ttl_s)}}
        reply = self._run(self._events().watch(calendarId=calendar, body=body), token)
        return Watch(reply["id"], reply["resourceId"], int(reply["expiration"]) // 1000)

    def renew(self, token: str, watch: Watch, address: str, secret: str, ttl_s: int,
              calendar: str = CALENDAR) -> Watch:
        """Google channels cannot be extended: open a new one, then stop the old."""
        fresh = self.watch(token, address, secret, ttl_s, calendar)
        self.stop(token, watch)
        return fresh

    def stop(self, token: str, watch: Watch) -> None:
        with contextlib.suppress(_Gone):
            self._run(self._client().channels().stop(body={"id": watch.channel_id, "resourceId": watch.resource_id}),
                 token)

    def changes(self, token: str, sync_token: str | None, calendar: str = CALENDAR) -> tuple[list[Change], str]:
        """A calendar's events changed since `sync_token` (every event when None) and the next sync token; 410 ->
        SyncTokenExpired."""
        found: list[Change] = []
        page: str | None = None
        while True:
            query: dict[str, Any] = {"calendarId": calendar, "showDeleted": True, "singleEvents": True,
                                     "maxResults": 250}
            if sync_token:
                query["syncToken"] = sync_token
            if page:
                query["pageToken"] = page
            reply = self._run(self._events().list(**query), token)
            found.extend(_change(item) for item in reply.get("items", []))
            page = reply.get("nextPageToken")
            if not page:
                return found, str(reply.get("nextSyncToken", ""))

    def _run(self, request: Any, token: str) -> Any:
        """Execute with the bearer token on this thread's connection; the provider's failures become ours."""
        from googleapiclient.errors import HttpError
        from httplib2 import HttpLib2Error

        request.headers["authorization"] = f"Bearer {token}"
        try:
            return request.execute(http=self._http(), num_retries=1)
        except HttpError as exc:
            raise _failure(exc, request.methodId) from exc
        except (OSError, HttpLib2Error) as exc:  # timeouts, refused connections, unknown hosts
            raise ProviderError(f"Google Calendar is unreachable: {exc}") from exc


def _failure(exc: Any, method: str) -> ProviderError:
    status = int(exc.resp.status)
    if status == 401:
        return TokenRejected("Google refused the access token")
    if status == 409:
        return _Conflict("the event exists")
    if status == 410 and method == "calendar.events.list":
        return SyncTokenExpired("the sync token expired")
    if status in (404, 410):
        return _Gone("gone")
    return ProviderError(f"Google Calendar answered {status}")


def event_id_of(key: str) -> str:
    """Google event ids are base32hex (a-v, 0-9): a hex digest of the appointment's key is one."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class _Conflict(ProviderError):
    pass


class _Gone(ProviderError):
    pass


def _body(event: EventBody) -> dict[str, Any]:
    body: dict[str, Any] = {"summary": event.title, "description": event.description,
                            "start": {"dateTime": event.start}, "end": {"dateTime": event.end}}
    if event.location:
        body["location"] = event.location
    if event.attendee_email:
        body["attendees"] = [{"email": event.attendee_email, "displayName": event.attendee_name}]
    return body


def _change(item: dict[str, Any]) -> Change:
    if item.get("status") == "cancelled":
        return Change(item["id"], True)
    start, end = item["start"], item["end"]  # an all-day event has a date and no dateTime
    return Change(item["id"], False, _utc(start.get("dateTime") or start["date"] + "T00:00:00Z"),
                  _utc(end.get("dateTime") or end["date"] + "T00:00:00Z"))


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _utc(value: str) -> str:
    return _iso(_epoch(value))
