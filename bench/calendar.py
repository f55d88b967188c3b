"""Calendar benchmarks on a running local cloud (DynamoDB Local + the function host), two figures.

slots     Availability for 30 days of a round-robin event type with 10 hosts (weekday hours in New York), each
          with 2 connected calendars (Google and Microsoft, connected through the local cloud's OAuth stub and
          synced from its fake calendars into the busy cache), and busy time from the workspace's stored
          appointments (`--appointments` of them, spread over the 30 days): p50 and p95 of
          GET /book/<page>/<event type>/slots over HTTP, and of the domain call alone (calendar.public.slots, no
          HTTP), each as a ratio to the raw DynamoDB calls the answer needs: GetItem booking-page slug, GetItem
          workspace, UpdateItem public rate window, GetItem event-type slug, GetItem event type, Query schedules
          partition, Query the appointments' by-time view for the range, and one BatchGetItem of every host's
          connected calendars (their busy cache, a key per host and provider).
bookings  Bookings per second for one event type under contention: a single-host event type, `--threads`
          bookers at once over HTTP, each walking the same offered slots in the same order, so most attempts
          collide (exactly one per slot commits; the rest are 409 slot_taken).

Run against a local cloud started from this checkout, with its settings:
  python -m infra.local up --port 3101 --data-dir /tmp/cal-cloud &
  python -m infra.local with-env --data-dir /tmp/cal-cloud -- python -m bench.calendar --url http://127.0.0.1:3101
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.local_api import LocalApi
from tests.support.apps import Reply

HOSTS = 10
DAYS = 30
PROVIDERS = ("google", "microsoft")
WEEKDAYS = {day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")}


def _ok(reply: Reply, *expected: int) -> Any:
    assert reply.status in (expected or (200, 201)), reply
    return reply.body


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _timed(n: int, fn: Callable[[], Any]) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def setup(client: LocalApi, label: str) -> dict[str, Any]:
    """A workspace with 10 members, each with weekday hours, and a round-robin event type over all of them."""
    stamp = f"{int(time.time())}{label}"
    owner = _ok(client.call("POST", "/auth/signup", {"workspace_name": f"Bench {stamp}", "name": "Owner",
                                                     "email": f"owner{stamp}@bench.test",
                                                     "password": "correct-horse-battery",
                                                     "timezone": "America/New_York"}))
    token, hosts = owner["access_token"], [owner["user"]["id"]]
    tokens = [token]
    for n in range(HOSTS - 1):
        invite = _ok(client.call("POST", "/workspace/invites", {"email": f"host{n}-{stamp}@bench.test"}, token))
        member = _ok(client.call("POST", "/auth/accept-invite", {"token": invite["token"], "name": f"Host {n}",
                                                                 "password": "member-password-1"}))
        hosts.append(member["member"]["user_id"])
        tokens.append(member["access_token"])
    for host in hosts:
        _ok(client.call("POST", "/availability/schedules", {"name": "Hours", "timezone": "America/New_York",
                                                            "weekly": WEEKDAYS, "user_id": host}, token))
    event_type = _ok(client.call("POST", "/event-types", {"name": "Demo", "slug": "demo", "durations": [30],
                                                          "assignment": "round_robin", "hosts": hosts,
                                                          "min_notice_minutes": 0, "window_days": 60,
                                                          "reminders": []}, token))
    page = f"bench-{stamp}".lower()
    _ok(client.call("PUT", "/booking-page", {"slug": page}, token))
    contact = _ok(client.call("POST", "/contacts", {"first_name": "Busy", "email": f"busy{stamp}@bench.test"}, token))
    return {"token": token, "workspace_id": owner["workspace"]["id"], "event_type": event_type, "page": page,
            "contact_id": contact["id"], "hosts": hosts, "tokens": tokens}


def connect_calendars(client: LocalApi, ws: dict[str, Any], wait_s: float = 120) -> int:
    """Each host connects Google and Microsoft as a browser would (start, follow the provider's consent
    redirect, send the callback); then wait until calendar sync has filled every link's busy cache."""
    from leadpilot.calendar_sync.links import links
    from leadpilot.settings import get_settings

    for token in ws["tokens"]:
        for provider in PROVIDERS:
            start = _ok(client.call("POST", "/integrations/oauth/start", {"provider": provider}, token))
            request = urllib.request.Request(start["authorization_url"], method="GET")
            try:
                urllib.request.build_opener(_NoRedirect).open(request, timeout=30)
                raise AssertionError("the consent page did not redirect back")
            except urllib.error.HTTPError as back:
                assert back.code == 302, back.code
                query = parse_qs(urlsplit(back.headers["Location"]).query)
            _ok(client.call("POST", "/integrations/oauth/callback", {k: v[0] for k, v in query.items()}, token))
    settings = get_settings()
    deadline = time.monotonic() + wait_s
    while True:
        cached = sum(1 for host in ws["hosts"] for item in links(settings, ws["workspace_id"], host)
                     if item.busy_refreshed_at)
        if cached == len(ws["hosts"]) * len(PROVIDERS):
            return cached
        assert time.monotonic() < deadline, f"only {cached} busy caches filled in {wait_s} s"
        time.sleep(0.5)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the provider's redirect back to the app: its query is what the callback is sent."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def seed_appointments(ws: dict[str, Any], count: int, first: date) -> int:
    """Book `count` appointments through the domain (as the API does, without HTTP), spread over the range."""
    from leadpilot.calendar import appointments
    from leadpilot.calendar.appointments import Booker
    from leadpilot.calendar.public import slots as public_slots
    from leadpilot.settings import get_settings

    settings = get_settings()
    offered = public_slots(settings, ws["workspace_id"], "demo", first.isoformat(),
                           (first + timedelta(days=DAYS - 1)).isoformat(), "America/New_York", None)["slots"]
    booker = Booker(contact_id=ws["contact_id"], name="Busy", email="busy@bench.test", timezone="America/New_York")
    step = max(1, len(offered) // count)
    made = 0
    for slot in offered[::step][:count]:
        start = datetime.fromisoformat(slot["start"].replace("Z", "+00:00"))
        appointments.book(settings, ws["workspace_id"], ws["event_type"], start, 30, booker,
                          {"type": "system", "id": "bench"}, "api")
        made += 1
    return made


def _raw_reads(ws: dict[str, Any], first: date) -> Callable[[], None]:
    """The DynamoDB calls one availability answer needs at least, made directly."""
    import boto3

    from leadpilot.calendar_sync.models import host_pk
    from leadpilot.settings import get_settings

    settings = get_settings()
    dynamodb = boto3.client("dynamodb", region_name=settings.region)
    crm, identity = settings.crm_table, settings.identity_table
    ws_id, et_id = ws["workspace_id"], ws["event_type"]["id"]
    lo = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)
    hi = lo + timedelta(days=DAYS, hours=16)

    def key(pk: str, sk: str) -> dict[str, Any]:
        return {"PK": {"S": pk}, "SK": {"S": sk}}

    def run() -> None:
        dynamodb.get_item(TableName=crm, Key=key(f"CALPAGE#{ws['page']}", "PAGE"))
        dynamodb.get_item(TableName=identity, Key=key(f"WS#{ws_id}", "WORKSPACE"))
        dynamodb.update_item(TableName=identity, Key=key(f"WS#{ws_id}#RATE#BENCH", str(int(time.time()) // 60)),
                             UpdateExpression="ADD requests :one", ExpressionAttributeValues={":one": {"N": "1"}})
        dynamodb.get_item(TableName=crm, Key=key(f"WS#{ws_id}#CAL#SLUG#demo", "SLUG"))
        dynamodb.get_item(TableName=crm, Key=key(f"WS#{ws_id}#CAL#EVENT_TYPES", f"ET#{et_id}"), ConsistentRead=True)
        _query_all(dynamodb, crm, f"WS#{ws_id}#CAL#SCHEDULES", None, None)
        _query_all(dynamodb, crm, f"WS#{ws_id}#CAL#APPTS", lo.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   hi.strftime("%Y-%m-%dT%H:%M:%SZ") + "~")
        keys = [key(host_pk(ws_id, host), f"LINK#{provider}") for host in ws["hosts"] for provider in PROVIDERS]
        dynamodb.batch_get_item(RequestItems={crm: {"Keys": keys}})  # every host's connected calendars

    return run


def _query_all(dynamodb: Any, table: str, pk: str, lo: str | None, hi: str | None) -> None:
    names, values = {"#pk": "PK"}, {":pk": {"S": pk}}
    condition = "#pk = :pk"
    if lo is not None and hi is not None:
        names["#sk"], values[":lo"], values[":hi"] = "SK", {"S": lo}, {"S": hi}
        condition += " AND #sk BETWEEN :lo AND :hi"
    start: dict[str, Any] | None = None
    while True:
        page = dynamodb.query(TableName=table, KeyConditionExpression=condition, ExpressionAttributeNames=names,
                              ExpressionAttributeValues=values, ConsistentRead=True,
                              **({"ExclusiveStartKey": start} if start else {}))
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def slots_bench(client: LocalApi, n: int, count: int) -> dict[str, Any]:
    from leadpilot.calendar.public import slots as public_slots
    from leadpilot.db.base import bind_tables
    from leadpilot.settings import get_settings

    bind_tables(get_settings())
    ws = setup(client, "s")
    first = datetime.now(UTC).date() + timedelta(days=1)
    connected = connect_calendars(client, ws)
    seeded = seed_appointments(ws, count, first)
    end = first + timedelta(days=DAYS - 1)
    path = f"/book/{ws['page']}/demo/slots?start={first}&end={end}&timezone=America/New_York"
    found = _ok(client.call("GET", path))
    _timed(3, lambda: client.call("GET", path))  # warm the function host's modules
    http = _timed(n, lambda: _ok(client.call("GET", path)))
    domain = _timed(n, lambda: public_slots(get_settings(), ws["page"], "demo", first.isoformat(), end.isoformat(),
                                            "America/New_York", None))
    raw = _timed(n, _raw_reads(ws, first))
    (h50, h95), (d50, d95), (r50, r95) = _percentiles(http), _percentiles(domain), _percentiles(raw)
    return {"hosts": HOSTS, "connected_calendars": connected, "days": DAYS, "appointments": seeded,
            "slots": len(found["slots"]), "n": n,
            "http_ms": {"p50": round(h50, 1), "p95": round(h95, 1)},
            "domain_ms": {"p50": round(d50, 1), "p95": round(d95, 1)},
            "raw_reads_ms": {"p50": round(r50, 1), "p95": round(r95, 1)},
            "ratio_http_p50": round(h50 / r50, 2), "ratio_domain_p50": round(d50 / r50, 2)}


def bookings_bench(client: LocalApi, threads: int, attempts: int) -> dict[str, Any]:
    ws = setup(client, "b")
    _ok(client.call("POST", "/event-types", {"name": "Solo", "slug": "solo", "durations": [30],
                                             "hosts": [ws["hosts"][0]], "min_notice_minutes": 0,
                                             "reminders": []}, ws["token"]))
    day = datetime.now(UTC).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    offered = _ok(client.call("GET", f"/book/{ws['page']}/solo/slots?start={day}&end={day}"
                              "&timezone=America/New_York"))["slots"]
    outcomes: list[int] = []
    lock = threading.Lock()

    def booker(n: int) -> None:
        for k in range(attempts):
            slot = offered[k % len(offered)]["start"]
            status = client.call("POST", f"/book/{ws['page']}/solo/bookings",
                                    {"start": slot, "timezone": "America/New_York", "name": f"B{n}",
                                     "email": f"b{n}-{k}@bench.test"}).status
            with lock:
                outcomes.append(status)

    workers = [threading.Thread(target=booker, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    booked, taken = outcomes.count(201), outcomes.count(409)
    return {"threads": threads, "attempts": len(outcomes), "booked": booked, "slot_taken": taken,
            "other": len(outcomes) - booked - taken, "seconds": round(elapsed, 2),
            "bookings_per_s": round(booked / elapsed, 2), "attempts_per_s": round(len(outcomes) / elapsed, 2)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.calendar")
    parser.add_argument("what", nargs="?", choices=["slots", "bookings", "all"], default="all")
    parser.add_argument("--url", default="http://127.0.0.1:3101")
    parser.add_argument("--n", type=int, default=30, help="availability requests timed")
    parser.add_argument("--appointments", type=int, default=150, help="stored appointments in the 30 days")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--attempts", type=int, default=16, help="bookings each thread tries (a day has 16 slots)")
    args = parser.parse_args(argv)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # the domain calls here print no EMF lines
    client = LocalApi(args.url)
    result: dict[str, Any] = {}
    if args.what in ("slots", "all"):
        result["slots"] = slots_bench(client, args.n, args.appointments)
    if args.what in ("bookings", "all"):
        result["bookings"] = bookings_bench(client, args.threads, args.attempts)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
