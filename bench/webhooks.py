"""Outgoing webhooks on a running local cloud: deliveries per minute to a local receiver, and the time from a
domain event to its first delivery attempt (p50/p95).

The receiver listens on --receiver, which the cloud must list in LEADPILOT_WEBHOOK_ALLOW (start it with
`LEADPILOT_WEBHOOK_ALLOW=127.0.0.1:3199 make dev`). A fresh workspace gets --endpoints endpoints subscribed to
contact.created; each POST /contacts is one domain event, so --events contacts make events x endpoints
deliveries (EventBridge -> queue -> fan-out -> deliveries queue -> worker -> receiver, every one signed).

Latency: first --latency-events contacts created one at a time through the API (nothing queued), from the
event's occurred_at to its arrival at the receiver. Throughput: then --events contact.created events put on the
bus at once (PutEvents, 10 a call, as the outbox publishes them: the API's own speed is measured by the other
benchmarks); deliveries per minute from the first arrival to the last (the delivery pipeline's rate), and from
the first PutEvents to the last arrival (moto's PutEvents and the fan-out included).
Run it with the cloud's settings (its bus and endpoints):
  python -m infra.local with-env --data-dir .leadpilot -- python -m bench.webhooks --url http://127.0.0.1:3000
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """A local HTTP receiver: answers 200, keeps each delivery's arrival time and event."""

    def __init__(self, address: str) -> None:
        host, port = address.rsplit(":", 1)
        self.arrivals: list[tuple[float, str, str]] = []  # (time, path + webhook-id, occurred_at)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                event = json.loads(body)
                with receiver.lock:
                    receiver.arrivals.append((arrived, f"{self.path} {self.headers.get('webhook-id')}",
                                              event["occurred_at"]))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog of 5 drops connects of parallel attempts (1 s resends)

        self.server = Server((host, int(port)), Handler)
        self.url = f"http://{address}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len({msg for _, msg, _ in self.arrivals}) >= count:
                return True
            time.sleep(0.02)
        return False


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _put_events(workspace_id: str, count: int) -> None:
    """contact.created events on the bus, as the outbox publishes them."""
    from leadpilot.events.bus import publish
    from leadpilot.events.envelope import domain_event
    from leadpilot.ids import new_id
    from leadpilot.settings import get_settings

    settings = get_settings()
    events = [domain_event(new_id(), "contact.created", workspace_id, {"type": "system", "id": "bench"},
                           {"id": new_id(), "first_name": f"Load{n}"}) for n in range(count)]
    accepted = publish(settings.event_bus_name, settings.region, events)
    assert len(accepted) == count, f"the bus took {len(accepted)} of {count} events"


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the running local cloud")
    parser.add_argument("--receiver", default="127.0.0.1:3199", help="host:port listed in LEADPILOT_WEBHOOK_ALLOW")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--latency-events", type=int, default=20)
    args = parser.parse_args(argv)
    receiver = Receiver(args.receiver)
    stamp = int(time.time())
    signed_up = _call(args.url, "POST", "/auth/signup", {
        "workspace_name": "Webhook bench", "email": f"bench{stamp}@hooks.test", "password": "bench-password-123",
        "name": "Bench"})
    token = signed_up["access_token"]
    for n in range(args.endpoints):
        _call(args.url, "POST", "/webhooks/endpoints", {"url": f"{receiver.url}/e{n}", "event_types": [
            "contact.created"], "rate_limit_per_minute": 100000}, token)

    # Latency, unloaded: one event at a time, each waited for at every endpoint
    for n in range(args.latency_events):
        _call(args.url, "POST", "/contacts", {"first_name": f"Lat{n}"}, token)
        assert receiver.wait_for((n + 1) * args.endpoints, 60), "deliveries did not arrive within 60 s"
    unloaded = [arrived - _epoch(occurred) for arrived, _, occurred in receiver.arrivals]
    before = len(receiver.arrivals)
    expected_unique = len({msg for _, msg, _ in receiver.arrivals}) + args.events * args.endpoints

    # Throughput: many events at once
    started = time.time()
    _put_events(signed_up["workspace"]["id"], args.events)
    created = time.time() - started
    arrived_all = receiver.wait_for(expected_unique, 600)
    loaded = receiver.arrivals[before:]
    first, last = min(a for a, _, _ in loaded), max(a for a, _, _ in loaded)
    deliveries = len(loaded)
    per_minute = deliveries / (last - started) * 60
    steady = deliveries / max(last - first, 1e-3) * 60
    loaded_latency = [a - _epoch(o) for a, _, o in loaded]
    receiver.server.shutdown()
    unique = len({msg for _, msg, _ in loaded})
    result = {"deliveries": deliveries, "unique": unique, "expected": args.events * args.endpoints,
              "complete": arrived_all,
              "per_minute": round(per_minute), "steady_per_minute": round(steady),
              "events_created_s": round(created, 1),
              "unloaded_p50_ms": round(statistics.median(unloaded) * 1000),
              "unloaded_p95_ms": round(_percentile(unloaded, 95) * 1000),
              "loaded_p50_ms": round(statistics.median(loaded_latency) * 1000),
              "loaded_p95_ms": round(_percentile(loaded_latency, 95) * 1000)}
    print(f"webhook deliveries: {result['steady_per_minute']} per minute to a local receiver from the first arrival "
          f"to the last; {result['per_minute']} per minute from the first PutEvents ({unique} of "
          f"{result['expected']} deliveries, {deliveries - unique} sent twice (a retry: receivers deduplicate on "
          f"webhook-id); {args.events} events x {args.endpoints} endpoints; putting the events on the bus took "
          f"{result['events_created_s']} s)")
    print(f"domain event -> first attempt, one event at a time ({len(unloaded)} deliveries): "
          f"p50 {result['unloaded_p50_ms']} ms, p95 {result['unloaded_p95_ms']} ms")
    print(f"domain event -> first attempt under the load above: p50 {result['loaded_p50_ms']} ms, "
          f"p95 {result['loaded_p95_ms']} ms")
    return result


if __name__ == "__main__":
    main()
