"""Local fakes of the Google Calendar API and Microsoft Graph calendar subset that calendar sync uses.

Served by the gateway under /_local/calendars (so `make dev` shows a connected host's busy times) and on its own
port by `serve()` in tests, where the real google-api-python-client talks to it. Each provider's account has
several calendars (CALENDARS: the primary one, a writable team calendar, a read-only holidays calendar); a request
whose bearer token the OAuth stub did not issue is a 401. Lists are paged `page_size` at a time.
  Google (base /google/calendar/v3/): users/me/calendarList (paged), freeBusy (any of the calendars), per calendar
    ("primary" is the main one) events insert (409 on a taken id) / patch / delete (410 when already deleted) /
    list (syncToken; 410 once tokens are made stale) / watch (channels expire), channels/stop
  Graph (base /graph/v1.0): /me, /me/calendars (paged), /me/calendars/{id}/calendarView (paged) and /events,
    /me/calendar/getSchedule (the default calendar), /me/events (transactionId dedupes creates),
    /subscriptions (expiry capped at 4230 minutes)
Tests change the calendars "from outside" with move/delete and build the pushes each provider would send.
"""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

PREFIX = "/_local/calendars"
GRAPH_MAX_S = 4230 * 60
Served = tuple[int, list[tuple[str, str]], bytes]
# Each account's calendars: id -> (name, primary, writable). The first is the primary one.
CALENDARS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "google": {"host@example.com": ("host@example.com", True, True),
               "team.sales@group.calendar.google.com": ("Sales team", False, True),
               "en.usa#holiday@group.v.calendar.google.com": ("Holidays in United States", False, False)},
    "microsoft": {"AAMkAGI2TG93AAA=": ("Calendar", True, True),
                  "AAMkAGI2TG94AAB=": ("Sales team", False, True),
                  "AAMkAGI2TG95AAC=": ("United States holidays", False, False)},
}


@dataclass
class FakeCalendars:
    """Both providers' calendars, channels and subscriptions."""

    valid_token: Callable[[str], bool]
    url: str = ""
    channel_max_s: int = 7 * 86400
    google: dict[str, dict[str, Any]] = field(default_factory=dict)
    graph: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    seq: int = 0
    stale_before: int = 0  # sync tokens older than this are answered 410 Gone
    page_size: int = 2  # list pages are this long, so clients must follow the next page
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def google_api(self) -> str:
        return f"{self.url}/google/calendar/v3/"

    @property
    def graph_api(self) -> str:
        return f"{self.url}/graph/v1.0"

    # -- changes made "outside LeadPilot" (tests and demos) ----------------------------------------------------
    def add(self, provider: str, start: str, end: str, title: str = "Busy", calendar: str | None = None) -> str:
        """An event in one of the account's calendars (the primary one unless named)."""
        event_id = secrets.token_hex(8)
        self._store(provider)[event_id] = {"id": event_id, "summary": title, "start": {"dateTime": start},
                                           "end": {"dateTime": end}, "status": "confirmed",
                                           "calendar": self.calendar_id(provider, calendar or "primary")}
        self._touch(provider, event_id)
        return event_id

    def move(self, provider: str, event_id: str, start: str, end: str) -> None:
        event = self._store(provider)[event_id]
        event["start"], event["end"] = {"dateTime": start}, {"dateTime": end}
        self._touch(provider, event_id)

    def delete(self, provider: str, event_id: str) -> None:
        self._store(provider)[event_id]["status"] = "cancelled"
        self._touch(provider, event_id)

    def expire_sync_tokens(self) -> None:
        self.stale_before = self.seq + 1

    def google_push(self, channel_id: str, token: str | None = None) -> dict[str, str]:
        """The headers of the push Google sends on a channel (its own token unless another is given)."""
        channel = self.channels[channel_id]
        return {"X-Goog-Channel-ID": channel_id, "X-Goog-Channel-Token": channel["token"] if token is None else token,
                "X-Goog-Resource-ID": channel["resourceId"], "X-Goog-Resource-State": "exists",
                "X-Goog-Message-Number": str(self.seq)}

    def graph_push(self, subscription_id: str, event_id: str, client_state: str | None = None) -> dict[str, Any]:
        """The body of the change notification Graph sends on a subscription."""
        state = self.subscriptions[subscription_id]["clientState"] if client_state is None else client_state
        return {"value": [{"subscriptionId": subscription_id, "changeType": "updated", "clientState": state,
                           "resource": f"me/events/{event_id}", "resourceData": {"id": event_id}}]}

    @staticmethod
    def calendar_id(provider: str, calendar: str) -> str:
        """A calendar's own id ("primary" names the account's main one)."""
        return next(iter(CALENDARS[provider])) if calendar == "primary" else calendar

    def in_calendar(self, provider: str, calendar: str) -> list[dict[str, Any]]:
        """The events of one calendar, deleted ones too."""
        own = self.calendar_id(provider, calendar)
        return [e for e in self._store(provider).values() if e["calendar"] == own]

    def _store(self, provider: str) -> dict[str, dict[str, Any]]:
        return self.google if provider == "google" else self.graph

    def _touch(self, provider: str, event_id: str) -> None:
        self.seq += 1
        self._store(provider)[event_id]["seq"] = self.seq

    # -- the APIs ----------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Served:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not self.valid_token(auth.removeprefix("Bearer ")):
            return _json(401, {"error": {"code": 401, "message": "Invalid Credentials"}})
        params = dict(parse_qsl(query))
        payload = json.loads(body) if body else {}
        with self._lock:
            if path.startswith("/google/calendar/v3/"):
                return self._google(method, path.removeprefix("/google/calendar/v3/"), params, payload)
            if path.startswith("/graph/v1.0/"):
                return self._graph(method, path.removeprefix("/graph/v1.0/"), params, payload)
        return _json(404, {"error": "not_found"})

    def _google(self, method: str, path: str, params: dict[str, str], body: dict[str, Any]) -> Served:
        self.calls[f"google {method} {re.sub(r'events/[^/]+$', 'events/{id}', path)}"] += 1
        if path == "users/me/calendarList":
            rows = [{"id": cid, "summary": name, "accessRole": "owner" if primary else "writer" if writable
                     else "reader", **({"primary": True} if primary else {})}
                    for cid, (name, primary, writable) in CALENDARS["google"].items()]
            page, more = self._page(rows, int(params.get("pageToken") or 0))
            return _json(200, {"items": page, **({"nextPageToken": str(more)} if more else {})})
        if path == "freeBusy":
            low, high = _epoch(body["timeMin"]), _epoch(body["timeMax"])
            return _json(200, {"calendars": {item["id"]: self._free_busy(item["id"], low, high)
                                             for item in body.get("items", [])}})
        if path == "channels/stop":
            return (204, [], b"") if self.channels.pop(body.get("id", ""), None) else _json(404, {})
        found = re.fullmatch(r"calendars/([^/]+)/events(/watch|/[^/]+)?", path)
        calendar = self.calendar_id("google", unquote(found.group(1))) if found else ""
        if calendar not in CALENDARS["google"]:
            return _json(404, {"error": {"code": 404, "message": "Not Found"}})
        rest = (found.group(2) if found else None) or ""
        if rest == "/watch":
            ttl = min(int(body.get("params", {}).get("ttl", self.channel_max_s)), self.channel_max_s)
            channel = {"id": body["id"], "resourceId": secrets.token_hex(6), "token": body.get("token", ""),
                       "address": body["address"], "expiration": str((int(time.time()) + ttl) * 1000),
                       "calendar": calendar}
            self.channels[body["id"]] = channel
            return _json(200, {"kind": "api#channel", **{k: channel[k] for k in ("id", "resourceId", "expiration")}})
        if not rest and method == "POST":
            if not CALENDARS["google"][calendar][2]:
                return _json(403, {"error": {"code": 403, "message": "You need to have writer access"}})
            if body.get("id") in self.google:
                return _json(409, {"error": {"code": 409, "message": "The requested identifier already exists."}})
            event_id = body.get("id") or secrets.token_hex(8)
            self.google[event_id] = {**body, "id": event_id, "status": "confirmed", "calendar": calendar}
            self._touch("google", event_id)
            return _json(200, self._public(self.google[event_id]))
        if not rest:
            return self._list(calendar, params)
        event = self.google.get(rest.removeprefix("/"))
        if event is None or event["calendar"] != calendar:
            return _json(404, {"error": {"code": 404, "message": "Not Found"}})
        if method == "PATCH":
            event.update(body)
            self._touch("google", event["id"])
            return _json(200, self._public(event))
        if method == "DELETE":
            if event["status"] == "cancelled":
                return _json(410, {"error": {"code": 410, "message": "Resource has been deleted"}})
            self.delete("google", event["id"])
            return 204, [], b""
        return _json(200, self._public(event))

    def _free_busy(self, asked: str, low: int, high: int) -> dict[str, Any]:
        calendar = self.calendar_id("google", asked)
        if calendar not in CALENDARS["google"]:
            return {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
        busy = [{"start": e["start"]["dateTime"], "end": e["end"]["dateTime"]} for e in self._live("google", calendar)
                if _epoch(e["start"]["dateTime"]) < high and _epoch(e["end"]["dateTime"]) > low]
        return {"busy": sorted(busy, key=lambda b: _epoch(b["start"]))}

    def _page(self, rows: list[Any], offset: int) -> tuple[list[Any], int]:
        """One page of a list from `offset`, and the next page's offset (0: no more)."""
        more = offset + self.page_size
        return rows[offset:more], more if more < len(rows) else 0

    def _list(self, calendar: str, params: dict[str, str]) -> Served:
        since = 0
        if params.get("syncToken"):
            since = int(params["syncToken"].removeprefix("s"))
            if since < self.stale_before:
                return _json(410, {"error": {"code": 410, "errors": [{"reason": "fullSyncRequired"}],
                                             "message": "Sync token is no longer valid, a full sync is required."}})
        items = [self._public(e) for e in self.google.values() if e["seq"] > since and e["calendar"] == calendar
                 and (since or e["status"] != "cancelled")]
        return _json(200, {"items": items, "nextSyncToken": f"s{self.seq}"})

    def _graph(self, method: str, path: str, params: dict[str, str], body: dict[str, Any]) -> Served:
        self.calls[f"graph {method} {re.sub(r'/[A-Za-z0-9_=-]{12,}$', '/{id}', path)}"] += 1
        if path.startswith("me?") or path == "me":
            return _json(200, {"mail": "host@example.com", "userPrincipalName": "host@example.com"})
        if path == "me/calendars":
            rows = [{"id": cid, "name": name, "isDefaultCalendar": primary, "canEdit": writable}
                    for cid, (name, primary, writable) in CALENDARS["microsoft"].items()]
            return self._graph_page("me/calendars", rows, params)
        if path == "me/calendar/getSchedule":
            low, high = _epoch(body["startTime"]["dateTime"]), _epoch(body["endTime"]["dateTime"])
            items = [{"status": "busy", "start": _graph_time(e["start"]), "end": _graph_time(e["end"])}
                     for e in self._live("microsoft", self.calendar_id("microsoft", "primary"))
                     if _epoch(e["start"]["dateTime"]) < high and _epoch(e["end"]["dateTime"]) > low]
            return _json(200, {"value": [{"scheduleId": body["schedules"][0], "scheduleItems": items}]})
        found = re.fullmatch(r"me/calendars/([^/]+)/(calendarView|events)", path)
        if found:
            return self._graph_calendar(method, path, unquote(found.group(1)), found.group(2), params, body)
        if path == "subscriptions" and method == "POST":
            sub_id = secrets.token_hex(12)
            expiry = _capped(body["expirationDateTime"])
            self.subscriptions[sub_id] = {**body, "id": sub_id, "expirationDateTime": expiry}
            return _json(201, self.subscriptions[sub_id])
        if path.startswith("subscriptions/"):
            sub = self.subscriptions.get(path.removeprefix("subscriptions/"))
            if sub is None:
                return _json(404, {"error": {"code": "ResourceNotFound"}})
            if method == "DELETE":
                del self.subscriptions[sub["id"]]
                return 204, [], b""
            sub["expirationDateTime"] = _capped(body["expirationDateTime"])
            return _json(200, sub)
        if path == "me/events" and method == "POST":
            return self._graph_create(self.calendar_id("microsoft", "primary"), body)
        event_id = path.removeprefix("me/events/").split("?", 1)[0]
        event = self.graph.get(event_id)
        if event is None or event["status"] == "cancelled":
            return _json(404, {"error": {"code": "ErrorItemNotFound"}})
        if method == "DELETE":
            self.delete("microsoft", event_id)
            return 204, [], b""
        if method == "PATCH":
            event.update({k: v for k, v in body.items() if k not in ("start", "end")})
            for key in ("start", "end"):
                if key in body:
                    event[key] = {"dateTime": _iso(_epoch(body[key]["dateTime"]))}
            self._touch("microsoft", event_id)
        return _json(200, self._graph_view(event))

    def _graph_calendar(self, method: str, path: str, calendar: str, what: str, params: dict[str, str],
                        body: dict[str, Any]) -> Served:
        """/me/calendars/{id}/events (create) and /calendarView (a window's events, paged)."""
        if calendar not in CALENDARS["microsoft"]:
            return _json(404, {"error": {"code": "ErrorItemNotFound"}})
        if what == "events" and method == "POST":
            if not CALENDARS["microsoft"][calendar][2]:
                return _json(403, {"error": {"code": "ErrorAccessDenied"}})
            return self._graph_create(calendar, body)
        low, high = _epoch(params["startDateTime"]), _epoch(params["endDateTime"])
        rows = [{**self._graph_view(e), "showAs": "busy", "isCancelled": False}
                for e in self._live("microsoft", calendar)
                if _epoch(e["start"]["dateTime"]) < high and _epoch(e["end"]["dateTime"]) > low]
        window = {k: params[k] for k in ("startDateTime", "endDateTime")}
        return self._graph_page(path, rows, params, window)

    def _graph_page(self, path: str, rows: list[Any], params: dict[str, str],
                    keep: dict[str, str] | None = None) -> Served:
        page, more = self._page(rows, int(params.get("$skip") or 0))
        reply: dict[str, Any] = {"value": page}
        if more:
            reply["@odata.nextLink"] = f"{self.graph_api}/{path}?{urlencode({**(keep or {}), '$skip': more})}"
        return _json(200, reply)

    def _graph_create(self, calendar: str, body: dict[str, Any]) -> Served:
        same = [e for e in self.graph.values() if body.get("transactionId") and
                e.get("transactionId") == body["transactionId"]]
        if same:
            return _json(201, same[0])
        event_id = secrets.token_hex(12)
        self.graph[event_id] = {**body, "id": event_id, "status": "confirmed", "calendar": calendar,
                                "start": {"dateTime": _iso(_epoch(body["start"]["dateTime"]))},
                                "end": {"dateTime": _iso(_epoch(body["end"]["dateTime"]))}}
        self._touch("microsoft", event_id)
        return _json(201, self.graph[event_id])

    def _graph_view(self, event: dict[str, Any]) -> dict[str, Any]:
        return {**self._public(event), "start": _graph_time(event["start"]), "end": _graph_time(event["end"])}

    def _live(self, provider: str, calendar: str) -> list[dict[str, Any]]:
        return [e for e in self._store(provider).values() if e["status"] != "cancelled" and e["calendar"] == calendar]

    @staticmethod
    def _public(event: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if k not in ("seq", "calendar")}


def _epoch(value: str) -> int:
    parsed = datetime.fromisoformat(re.sub(r"\.[0-9]+", "", value).replace("Z", "+00:00"))
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _graph_time(value: dict[str, str]) -> dict[str, str]:
    """Graph's dateTimeTimeZone in UTC: seven fractional digits and no zone."""
    return {"dateTime": _iso(_epoch(value["dateTime"])).removesuffix("Z") + ".0000000", "timeZone": "UTC"}


def _capped(value: str) -> str:
    return _iso(min(_epoch(value), int(time.time()) + GRAPH_MAX_S))


def _json(status: int, body: Any) -> Served:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


def _demo() -> FakeCalendars:
    """The local cloud's calendars: tokens of its OAuth stub, a couple of busy blocks tomorrow in the primary
    calendar and one in the team calendar (which blocks only once the host checks it for conflicts)."""
    from infra.local import oauth_stub

    # one page per list: the gateway serves this fake under a prefix its own next-page links would not know
    fake = FakeCalendars(valid_token=lambda token: token in oauth_stub.shared().access_tokens, page_size=100)
    day = datetime.now(UTC).date().isoformat()
    tomorrow = _iso(_epoch(day + "T00:00:00Z") + 86400)[:10]
    for provider in ("google", "microsoft"):
        fake.add(provider, f"{tomorrow}T15:00:00Z", f"{tomorrow}T16:00:00Z", "Dentist")
        fake.add(provider, f"{tomorrow}T18:00:00Z", f"{tomorrow}T19:30:00Z", "Team offsite")
        fake.add(provider, f"{tomorrow}T13:00:00Z", f"{tomorrow}T14:00:00Z", "Sales standup",
                 calendar=list(CALENDARS[provider])[1])
    return fake


_shared: FakeCalendars | None = None


def serve_mounted(method: str, target: str, headers: dict[str, str], body: bytes) -> Served | None:
    """The gateway's hook: the reply for a request under PREFIX, None for any other."""
    global _shared
    parts = urlsplit(target)
    if not parts.path.startswith(PREFIX + "/"):
        return None
    _shared = _shared or _demo()
    return _shared.handle(method, parts.path.removeprefix(PREFIX), parts.query, headers, body)


@contextmanager
def serve(valid_token: Callable[[str], bool]) -> Iterator[FakeCalendars]:
    """Fresh calendars on their own port (tests); `google_api` and `graph_api` are the clients' bases."""
    fake = FakeCalendars(valid_token=valid_token)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            status, headers, payload = fake.handle(self.command, parts.path, parts.query,
                                                   {k.lower(): v for k, v in self.headers.items()},
                                                   self.rfile.read(length) if length else b"")
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
