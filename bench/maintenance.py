"""Periodic maintenance against request latency (issue 15): no job the local cloud runs on a timer may raise a
request's latency by more than 2x.

It starts a local cloud of its own in this process (DynamoDB Local; the scheduler thread off, so that nothing
periodic runs unless fired here), signs up, loads `--contacts` contacts straight into DynamoDB
(bench.contacts_scale._load), publishes a flow `trigger -> delay 1 day -> end` and enrols `--runs` contacts in
it (runs waiting in their delay: the reconciler's active runs). Then it measures a request mix through the
gateway (POST /contacts, GET /contacts/{id}, GET /contacts?limit=50; p50 and p95 per route), for each job
`--n` rounds in blocks of 5, alternately quiet (nothing periodic running) and under the job, so that both
halves share the machine's load of the moment (other processes on a shared 2-core machine move it a lot). Jobs:
every Schedule event of template.yaml (the run reconciler, flow schedules, task and appointment reminders,
the outbox publisher, watch renewals, usage reconcile and monthly report, webhook
delivery sweep) and the local cloud's one-off schedule poller, each fired back to back in a thread during its
blocks (harsher than its real cadence of a minute or more).
Printed: per job, p50/p95 per route in both halves, its time per firing, and the worst ratio (p50 or p95).
Not fired here: moto's parked-wait timer and the SQS journal's rewrite run inside the moto server process on
their own (see bench/waiting_runs.py for the waits).
Run: python -m bench.maintenance [--contacts 2000] [--runs 300] [--n 30] [--port 0]
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FLOW = {"name": "Wait a day", "trigger": {"event": "contact.tag_added", "filters": [
            {"var": "trigger.data.tag", "op": "eq", "value": "bench-maintenance"}]},
        "nodes": [{"id": "start", "type": "trigger"}, {"id": "later", "type": "delay", "days": 1},
                  {"id": "done", "type": "end"}],
        "edges": [{"from": "start", "to": "later"}, {"from": "later", "to": "done"}]}
ROUTES = ("POST /contacts", "GET /contacts/{id}", "GET /contacts")
ONE_OFF = "one-off schedules (infra timer)"


def _http(url: str, method: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def _quiet_host() -> None:
    """The function host starts without its scheduler threads: the bench fires every job itself."""
    from infra.local.host import FunctionHost

    FunctionHost.start = functools.partialmethod(FunctionHost.start, scheduler=False)  # type: ignore[method-assign,assignment]


def _seed(cloud: Any, args: argparse.Namespace) -> tuple[str, list[str]]:
    """A workspace with the contacts and the waiting runs; returns its token and some contact ids."""
    from bench.contacts_scale import _load
    from leadpilot.db.base import bind_tables
    from leadpilot.settings import get_settings

    url = cloud.api_url
    signup = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Bench", "email": "maint@bench.test",
                                                  "password": "bench-password-123", "name": "Bench"})
    token, ws = signup["access_token"], signup["workspace"]["id"]
    bind_tables(get_settings())
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:  # DynamoDB Local answers on its own core while the next batch is built
        list(pool.map(lambda n: _load(ws, n), [args.contacts // 4 + (i < args.contacts % 4) for i in range(4)]))
    load_s = time.perf_counter() - started
    ids, cursor = [], None
    while True:
        page = _http(f"{url}/contacts?limit=200" + (f"&cursor={cursor}" if cursor else ""), "GET", token=token)
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    flow_id = _http(f"{url}/flows", "POST", FLOW, token)["id"]
    _http(f"{url}/flows/{flow_id}/publish", "POST", token=token)
    started = time.perf_counter()
    batches = [ids[i:i + 100] for i in range(0, min(args.runs, len(ids)), 100)]
    batches[-1] = batches[-1][:args.runs - 100 * (len(batches) - 1)]
    with ThreadPoolExecutor(3) as pool:
        enrolled = sum(pool.map(lambda b: _http(f"{url}/flows/{flow_id}/enrollments", "POST", {"contact_ids": b},
                                                token)["enrolled"], batches))
    print(f"seeded {len(ids):,} contacts ({load_s:.0f} s) and {enrolled} waiting runs "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    return token, ids


def _mix(url: str, token: str, ids: list[str], n: int, rng: random.Random) -> dict[str, list[float]]:
    """`n` rounds of the request mix, one request at a time; seconds per request by route."""
    timings: dict[str, list[float]] = {route: [] for route in ROUTES}
    calls: dict[str, Callable[[], Any]] = {
        ROUTES[0]: lambda: _http(f"{url}/contacts", "POST", {"first_name": "Mx", "email": f"m{rng.random()}@b.test"},
                                 token),
        ROUTES[1]: lambda: _http(f"{url}/contacts/{rng.choice(ids)}", "GET", token=token),
        ROUTES[2]: lambda: _http(f"{url}/contacts?limit=50", "GET", token=token)}
    for _ in range(n):
        for route, call in calls.items():
            started = time.perf_counter()
            call()
            timings[route].append(time.perf_counter() - started)
    return timings


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _jobs(cloud: Any) -> dict[str, Callable[[], Any]]:
    """Every Schedule event of the template, and the infra's one-off schedule poller."""
    host = cloud.function_host
    jobs: dict[str, Callable[[], Any]] = {
        f"{spec.logical_id}.{schedule.event_name}": functools.partial(host.fire_schedule, spec.logical_id,
                                                                       schedule.event_name)
        for spec in cloud.deployment.functions for schedule in spec.schedules}
    jobs[ONE_OFF] = host.one_off.fire_due
    return jobs


def _paired(job: Callable[[], Any], mix: Callable[[int], dict[str, list[float]]], rounds: int,
            block: int = 5) -> dict[str, Any]:
    """Blocks of the mix, alternately quiet and with the job fired back to back, so that both halves share the
    machine's conditions of the moment; the timings of each half and the job's seconds per firing."""
    active, stop, firing = threading.Event(), threading.Event(), threading.Lock()
    durations: list[float] = []
    errors: list[str] = []

    def loop() -> None:
        while not stop.is_set():
            if not active.wait(0.1):
                continue
            with firing:
                started = time.perf_counter()
                try:
                    job()
                except Exception as exc:  # a failing job still costs what it did; say so in the report
                    errors.append(repr(exc)[:200])
                durations.append(time.perf_counter() - started)

    halves: dict[str, dict[str, list[float]]] = {"quiet": {r: [] for r in ROUTES}, "job": {r: [] for r in ROUTES}}
    thread = threading.Thread(target=loop, name="maintenance-job", daemon=True)
    thread.start()
    try:
        for _ in range(0, rounds, block):
            active.clear()
            with firing:  # the firing under way ends before the quiet block starts
                pass
            for route, samples in mix(block).items():
                halves["quiet"][route] += samples
            active.set()
            for route, samples in mix(block).items():
                halves["job"][route] += samples
    finally:
        active.clear()
        stop.set()
        thread.join(timeout=600)
    return {**halves, "durations": durations, "errors": sorted(set(errors))[:3]}


def _report(name: str, timings: dict[str, list[float]], base: dict[str, tuple[float, float]] | None) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for route in ROUTES:
        p50, p95 = _percentiles(timings[route])
        row[route] = {"p50_ms": round(p50 * 1000, 1), "p95_ms": round(p95 * 1000, 1)}
        if base is not None:
            row[route]["p50_x"] = round(p50 / base[route][0], 2)
            row[route]["p95_x"] = round(p95 / base[route][1], 2)
    text = "  ".join(f"{r} {v['p50_ms']:6.1f}/{v['p95_ms']:6.1f} ms" + (f" ({v['p95_x']:.2f}x)" if base else "")
                     for r, v in row.items())
    print(f"    {name:<42} {text}", flush=True)
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.maintenance")
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=300, help="waiting runs (the reconciler's active runs)")
    parser.add_argument("--n", type=int, default=30, help="rounds of the request mix per phase")
    parser.add_argument("--port", type=int, default=0, help="the gateway's port (0: any free one)")
    parser.add_argument("--only-jobs", nargs="*", default=None, help="substrings of the jobs to fire")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    _quiet_host()
    from infra.local.cloud import LocalCloud

    rng = random.Random(15)
    (ROOT / ".leadpilot").mkdir(exist_ok=True)
    with (tempfile.TemporaryDirectory(prefix="bench-maintenance-", dir=ROOT / ".leadpilot") as data,
          # It sends a few thousand requests a minute from one workspace: the limit is lifted, its count still written.
          LocalCloud(data, port=args.port, seed=False, parameters={"WorkspaceRequestsPerMinute": "10000000"}) as cloud):
        backend = cloud.backend.name if cloud.backend else "?"
        token, ids = _seed(cloud, args)
        url = cloud.api_url
        _mix(url, token, ids, 5, rng)  # warm every route
        print(f"request mix, {args.n} rounds per job, quiet and under the job in alternate blocks of 5 rounds; "
              f"p50/p95 per route (DynamoDB: {backend})", flush=True)
        jobs = {k: v for k, v in _jobs(cloud).items()
                if args.only_jobs is None or any(s in k for s in args.only_jobs)}
        result: dict[str, Any] = {"backend": backend, "contacts": len(ids), "runs": args.runs, "jobs": {}}
        for name, job in jobs.items():
            started = time.perf_counter()
            job()  # once alone: its own time, and its first-run work out of the way
            first_s = time.perf_counter() - started
            phase = _paired(job, lambda n: _mix(url, token, ids, n, rng), args.n)
            base = {r: _percentiles(phase["quiet"][r]) for r in ROUTES}
            print(f"  {name}", flush=True)
            quiet = _report("quiet", phase["quiet"], None)
            row = _report("under the job (ratio: p95 against quiet)", phase["job"], base)
            durations = phase["durations"]
            median_ms = round(statistics.median(durations) * 1000, 1) if durations else None
            worst_p50, worst_p95 = (max(v[k] for v in row.values()) for k in ("p50_x", "p95_x"))
            worst = max(worst_p50, worst_p95)
            result["jobs"][name] = {"quiet": quiet, "routes": row, "worst_x": worst, "worst_p50_x": worst_p50,
                                    "first_ms": round(first_s * 1000),
                                    "median_ms": median_ms, "firings": len(durations), "errors": phase["errors"]}
            print(f"    job: first firing {first_s * 1000:.0f} ms, then {len(durations)} firings of median {median_ms} "
                  f"ms; worst ratio {worst:.2f}x{'; errors: ' + '; '.join(phase['errors']) if phase['errors'] else ''}",
                  flush=True)
        if result["jobs"]:
            name, worst = max(((k, v["worst_x"]) for k, v in result["jobs"].items()), key=lambda kv: kv[1])
            result["worst"] = {"job": name, "x": worst,
                               "p50_x": max(v["worst_p50_x"] for v in result["jobs"].values())}
            print(f"worst: {worst:.2f}x under {name}")
        return result


if __name__ == "__main__":
    main()
