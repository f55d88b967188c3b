"""Microsoft 365 calendars through Microsoft Graph over plain HTTP (fixed URLs, with timeouts).

Events written for an appointment carry its key as `transactionId`, which Graph uses to refuse a duplicate create.
getSchedule answers for a mailbox, which is its default calendar: the busy time of the host's other calendars is
read from each one's calendarView (events not shown as free). Event ids are unique in the mailbox, so an event is
updated, read and deleted by id whichever calendar holds it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import requests

from leadpilot.calendar_sync.providers import (
    PRIMARY,
    Calendar,
    Change,
    EventBody,
    Interval,
    ProviderError,
    TokenRejected,
    Watch,
)

FREE = ("free", "workingElsewhere", "unknown")
_FRACTION = re.compile(r"\.[0-9]+")


class GraphCalendar:
    """The Graph calls calendar sync makes, on one pooled HTTP session."""

    def __init__(self, api_url: str, timeout_s: int) -> None:
        self.api_url, self.timeout_s = api_url, timeout_s
        self._http = requests.Session()

    def _call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        """A call on a path under the API base, or on an absolute @odata.nextLink the API gave."""
        url = path if path.startswith(self.api_url + "/") else f"{self.api_url}{path}"
        try:
            reply = self._http.request(method, url, json=body, timeout=self.timeout_s,
                                       headers={"Authorization": f"Bearer {token}", "Prefer": 'outlook.timezone="UTC"'})
        except requests.RequestException as exc:
            raise ProviderError(f"Microsoft Graph is unreachable: {exc}") from exc
        if reply.status_code == 401:
            raise TokenRejected("Microsoft refused the access token")
        if reply.status_code == 404:
            return None
        if reply.status_code >= 400:
            raise ProviderError(f"Microsoft Graph answered {reply.status_code}")
        return reply.json() if reply.content else {}

    def _pages(self, path: str, token: str) -> Iterator[dict[str, Any]]:
        """The items of a collection, following @odata.nextLink."""
        url: str | None = path
        while url:
            reply = self._call("GET", url, token) or {}
            yield from reply.get("value", [])
            url = reply.get("@odata.nextLink")

    def calendars(self, token: str) -> list[Calendar]:
        """Every calendar of the mailbox (paged)."""
        return [Calendar(str(c["id"]), str(c.get("name") or c["id"]), bool(c.get("isDefaultCalendar")),
                         bool(c.get("canEdit")))
                for c in self._pages("/me/calendars?$select=id,name,isDefaultCalendar,canEdit&$top=50", token)]

    def busy(self, token: str, start: int, end: int, calendars: Sequence[str] = (PRIMARY,)) -> list[Interval]:
        """The default calendar's busy time through getSchedule, the others' through their calendarView."""
        found = self._schedule(token, start, end) if PRIMARY in calendars else []
        for calendar in (c for c in calendars if c != PRIMARY):
            window = urlencode({"startDateTime": _iso(start), "endDateTime": _iso(end),
                                "$select": "start,end,showAs,isCancelled", "$top": "100"})
            found.extend((_epoch(i["start"]["dateTime"]), _epoch(i["end"]["dateTime"]))
                         for i in self._pages(f"/me/calendars/{_id(calendar)}/calendarView?{window}", token)
                         if i.get("showAs") not in FREE and not i.get("isCancelled"))
        return found

    def _schedule(self, token: str, start: int, end: int) -> list[Interval]:
        me = self._call("GET", "/me?$select=mail,userPrincipalName", token) or {}
        address = me.get("mail") or me.get("userPrincipalName")
        body = {"schedules": [address], "startTime": _zoned(start), "endTime": _zoned(end),
                "availabilityViewInterval": 15}
        reply = self._call("POST", "/me/calendar/getSchedule", token, body) or {}
        items = [i for s in reply.get("value", []) for i in s.get("scheduleItems", [])]
        return [(_epoch(i["start"]["dateTime"]), _epoch(i["end"]["dateTime"])) for i in items
                if i.get("status") not in FREE]

    def create_event(self, token: str, event: EventBody, calendar: str = PRIMARY) -> str:
        path = "/me/events" if calendar == PRIMARY else f"/me/calendars/{_id(calendar)}/events"
        reply = self._call("POST", path, token, {**_body(event), "transactionId": event.key})
        return str(reply["id"])

    def update_event(self, token: str, external_id: str, event: EventBody, calendar: str = PRIMARY) -> None:
        self._call("PATCH", f"/me/events/{external_id}", token, _body(event))

    def delete_event(self, token: str, external_id: str, calendar: str = PRIMARY) -> None:
        self._call("DELETE", f"/me/events/{external_id}", token)  # 404: already gone

    def watch(self, token: str, address: str, secret: str, ttl_s: int) -> Watch:
        body = {"changeType": "updated,deleted", "notificationUrl": address, "resource": "me/events",
                "expirationDateTime": _iso(_now() + ttl_s), "clientState": secret}
        reply = self._call("POST", "/subscriptions", token, body)
        return Watch(reply["id"], reply.get("resource", "me/events"), _epoch(reply["expirationDateTime"]))

    def renew(self, token: str, watch: Watch, address: str, secret: str, ttl_s: int) -> Watch:
        """Extend the subscription; one that is gone (expired, removed) is created again."""
        reply = self._call("PATCH", f"/subscriptions/{watch.channel_id}", token,
                           {"expirationDateTime": _iso(_now() + ttl_s)})
        if reply is None:
            return self.watch(token, address, secret, ttl_s)
        return Watch(watch.channel_id, watch.resource_id, _epoch(reply["expirationDateTime"]))

    def stop(self, token: str, watch: Watch) -> None:
        self._call("DELETE", f"/subscriptions/{watch.channel_id}", token)

    def event(self, token: str, external_id: str) -> Change:
        """An event's current times, or cancelled when it is gone (or was cancelled in Outlook)."""
        found = self._call("GET", f"/me/events/{external_id}?$select=start,end,isCancelled", token)
        if found is None or found.get("isCancelled"):
            return Change(external_id, True)
        return Change(external_id, False, _iso(_epoch(found["start"]["dateTime"])),
                      _iso(_epoch(found["end"]["dateTime"])))


def _body(event: EventBody) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": event.title, "body": {"contentType": "text", "content": event.description},
                            "start": _zoned(_epoch(event.start)), "end": _zoned(_epoch(event.end))}
    if event.location:
        body["location"] = {"displayName": event.location}
    if event.attendee_email:
        body["attendees"] = [{"type": "required",
                              "emailAddress": {"address": event.attendee_email, "name": event.attendee_name}}]
    return body


def _id(calendar: str) -> str:
    """A calendar id as a path segment (Graph ids may hold '=', '/' or '+')."""
    return quote(calendar, safe="")


def _zoned(epoch: int) -> dict[str, str]:
    """Graph's dateTimeTimeZone, in UTC."""
    return {"dateTime": datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _epoch(value: str) -> int:
    """Graph's times: UTC with up to 7 fractional digits and no zone (we ask for UTC), or ISO with a zone."""
    parsed = datetime.fromisoformat(_FRACTION.sub("", value).replace("Z", "+00:00"))
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _now() -> int:
    return int(datetime.now(UTC).timestamp())

