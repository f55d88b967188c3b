"""The dashboard in a real browser on the local cloud: bundle size, time to interactive with 50,000 contacts,
scrolling, the board with 500 deals, and the flow canvas with 200 nodes.

It starts a local cloud of its own (DynamoDB Local), signs up a workspace, loads the contacts straight into
DynamoDB with BatchWriteItem through the data layer (the same items the API writes, without the per-contact
transaction: importing 50,000 through the API would take most of an hour), creates the deals and the flow through
the API, then runs dashboard/bench/perf.mjs (playwright-core driving Debian's chromium), which prints the figures:
  initial JS (gzipped, as transferred) of the login and home screens — goal <= 250 KB;
  contacts screen: first rows and interactive (no long task for 500 ms) after navigation;
  scrolling the contacts table, the board with its deals, dragging a node on the canvas (within it, then to its edge,
  where the canvas pans under the node every frame): frames over about 3 s, the share of frames longer than
  2 x 16.7 ms (dropped), and the longest frame.
Headless chromium without a GPU paints in software: frame figures are a floor on real hardware, not a ceiling.
Run: python -m bench.dashboard [--contacts 50000] [--deals 500] [--nodes 200]   (needs `make dashboard`)
  or seed once and measure later: python -m bench.dashboard --data-dir /tmp/bench-50k --seed-only, then
  python -m bench.dashboard --data-dir /tmp/bench-50k
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
READY = "LEADPILOT READY "


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method, headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=60) as reply:
        text = reply.read()
    return json.loads(text) if text else None


def _start(data_dir: Path, port: int, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LEADPILOT_DYNAMODB": os.environ.get("LEADPILOT_DYNAMODB", "local")}
    env.pop("AWS_ENDPOINT_URL", None)
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "-m", "infra.local", "up", "--port", str(port), "--data-dir",
                                str(data_dir)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith(READY):
                return process, line[len(READY):].split()[0]
        if process.poll() is not None:
            raise RuntimeError(f"the local cloud stopped: see {log_path}")
        time.sleep(0.5)
    raise RuntimeError(f"the local cloud did not start in 180 s: see {log_path}")


def _seed_contacts(data_dir: Path, workspace_id: str, count: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "infra.local", "with-env", "--data-dir", str(data_dir), "--",
                    sys.executable, "-c", "from leadpilot.db.base import bind_tables; from leadpilot.settings import "
                    "get_settings; bind_tables(get_settings()); from bench.contacts_scale import _load; "
                    f"_load({workspace_id!r}, {count})"],
                   cwd=ROOT, check=True)
    return time.perf_counter() - started


def _seed_deals(url: str, token: str, count: int) -> str:
    pipeline = _call(url, "POST", "/pipelines", {"name": "Bench pipeline", "stages": [
        {"name": name, "probability": p} for name, p in (("New", 10), ("Qualified", 30), ("Proposal", 60),
                                                          ("Negotiation", 80))]}, token)
    stages = [s["id"] for s in pipeline["stages"]]
    contact = _call(url, "POST", "/contacts", {"first_name": "Deal", "last_name": "Owner"}, token)
    for i in range(count):
        _call(url, "POST", "/deals", {"pipeline_id": pipeline["id"], "stage_id": stages[i % len(stages)],
                                      "contact_id": contact["id"], "name": f"Deal {i:04d}",
                                      "value": 500 + (i * 37) % 9000}, token)
    return str(pipeline["id"])


def _seed_flow(url: str, token: str, nodes: int) -> str:
    steps = [{"id": f"s{i}", "type": "send_sms", "body": f"Step {i}"} for i in range(nodes - 2)]
    chain = [{"id": "start", "type": "trigger"}, *steps, {"id": "done", "type": "end"}]
    flow = {"name": f"{nodes}-node flow", "trigger": {"event": "contact.tag_added"}, "nodes": chain,
            "edges": [{"from": a["id"], "to": b["id"]} for a, b in itertools.pairwise(chain)]}
    return str(_call(url, "POST", "/flows", flow, token)["id"])


def _seed(url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A workspace with the contacts, the deals and the flow; what the browser run needs to sign in and find them."""
    email = f"bench-{int(time.time())}@example.com"
    signup = _call(url, "POST", "/auth/signup", {"email": email, "password": "bench-password-1",
                                                 "name": "Bench Owner", "workspace_name": "Bench Co",
                                                 "timezone": "UTC"})
    load_s = _seed_contacts(data_dir, signup["workspace"]["id"], args.contacts)
    print(f"loaded {args.contacts} contacts in {load_s:.0f} s", flush=True)
    token = signup["access_token"]
    return {"email": email, "pipeline": _seed_deals(url, token, args.deals), "flow": _seed_flow(url, token, args.nodes),
            "sizes": {"contacts": args.contacts, "deals": args.deals, "nodes": args.nodes}}


def _measure(url: str, seeded: dict[str, Any]) -> dict[str, Any]:
    login = _call(url, "POST", "/auth/login", {"email": seeded["email"], "password": "bench-password-1"})
    env = {**os.environ, "LEADPILOT_URL": url, "BENCH_SESSION": json.dumps({
        "accessToken": login["access_token"], "refreshToken": login["refresh_token"],
        "expiresAt": int(time.time() * 1000) + login["expires_in"] * 1000}),
        "BENCH_PIPELINE": seeded["pipeline"], "BENCH_FLOW": seeded["flow"]}
    out = subprocess.run(["node", "bench/perf.mjs"], cwd=ROOT / "dashboard", env=env, check=True,
                         capture_output=True, text=True, timeout=600)
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard")
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--deals", type=int, default=500)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, help="keep the local cloud's data here: a second run on the same "
                        "directory measures the workspace the first one seeded (seed once, measure when the "
                        "machine is quiet)")
    parser.add_argument("--seed-only", action="store_true", help="seed the data dir and stop")
    args = parser.parse_args(argv)
    if not (ROOT / "dashboard" / "dist" / "index.html").is_file():
        raise SystemExit("build the dashboard first: make dashboard")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = (args.data_dir or Path(tmp) / "data").resolve(), _free_port()
        marker = data_dir / "bench-dashboard.json"
        process, url = _start(data_dir, port, Path(tmp) / "cloud.log")
        try:
            if marker.is_file():
                seeded = json.loads(marker.read_text())
                print(f"measuring the workspace seeded in {data_dir}", flush=True)
            else:
                seeded = _seed(url, data_dir, args)
                marker.write_text(json.dumps(seeded))
            figures = {} if args.seed_only else _measure(url, seeded)
        finally:
            process.terminate()
            process.wait(timeout=30)
    figures["sizes"] = seeded["sizes"]
    for key, value in figures.items():
        print(f"{key:28} {value}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
