"""Waiting runs on the local cloud: N runs held in a long delay, the cost of holding them, and all of them back
after a restart (SIGKILL of the whole cloud, then a clean stop), each still waiting for its own due time, then
each completing once.

It starts a local cloud of its own (DynamoDB Local) at a time scale that makes the flow's one-day delay last
`--wait-s` real seconds (long waits are parked by the moto server: infra.local.sfn_waits), signs up, loads the
contacts straight into DynamoDB (bench.contacts_scale._load), publishes a flow `trigger -> delay 1 day -> end`
and enrols every contact through POST /flows/{id}/enrollments (100 per call, a few calls at a time). Printed:
  enrolment rate; threads and RSS of each local-cloud process while holding the runs (per waiting run in moto);
  for each restart: time until the cloud answers with every execution RUNNING again, how many came back, and
  whether sampled executions kept their wait's start (hence their due time);
  time from the last due time until every execution ended and every run record was closed.
Run: python -m bench.waiting_runs [--runs 10000] [--wait-s 1800] [--workers 4]
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from tests.e2e.conftest import LocalCloudProcess, _free_port

ROOT = Path(__file__).resolve().parents[1]
FLOW = {"name": "Wait a day", "trigger": {"event": "contact.tag_added", "filters": [
            {"var": "trigger.data.tag", "op": "eq", "value": "bench-waiting-runs"}]},
        "nodes": [{"id": "start", "type": "trigger"}, {"id": "later", "type": "delay", "days": 1},
                  {"id": "done", "type": "end"}],
        "edges": [{"from": "start", "to": "later"}, {"from": "later", "to": "done"}]}
SAMPLE = 50


def _ok(cloud: LocalCloudProcess, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, answer = cloud.call(method, path, body, token)
    if status not in (200, 201, 202):
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return answer


def _pids(data_dir: Path, cloud: LocalCloudProcess) -> dict[str, int]:
    pids = {"function host": cloud._process.pid if cloud._process else 0}
    for name, label in (("moto.pid", "moto (Step Functions, SQS, ...)"), ("dynamodb.pid", "DynamoDB Local")):
        path = data_dir / name
        if path.exists():
            pids[label] = int(path.read_text().strip())
    return pids


def _usage(pid: int) -> tuple[int, float]:
    """Threads and RSS (MB) of a process and its children (DynamoDB Local runs java under a wrapper)."""
    threads, rss = 0, 0.0
    for each in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        threads += int(fields["Threads"])
        rss += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    return threads, rss


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


def _until(check: Callable[[], Any], limit_s: float, what: str) -> Any:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(2)
    raise RuntimeError(f"{what}: not within {limit_s:.0f} s")


def _executions(cloud: LocalCloudProcess, machine: str, status: str) -> list[str]:
    sfn = boto3.client("stepfunctions", endpoint_url=cloud.aws_endpoint, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter=status)
    return [e["executionArn"] for page in pages for e in page["executions"]]


def _entered(cloud: LocalCloudProcess, arns: list[str]) -> dict[str, str]:
    """When each sampled execution entered its wait (its due time follows from it)."""
    sfn = boto3.client("stepfunctions", endpoint_url=cloud.aws_endpoint, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    found = {}
    for arn in arns:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        found[arn] = next(str(e["timestamp"]) for e in events if e["type"] == "WaitStateEntered")
    return found


def _contacts(cloud: LocalCloudProcess, token: str) -> list[str]:
    ids, cursor = [], None
    while True:
        page = _ok(cloud, "GET", "/contacts?limit=200" + (f"&cursor={cursor}" if cursor else ""), token=token)
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def _enrol(cloud: LocalCloudProcess, token: str, flow_id: str, ids: list[str], workers: int) -> float:
    started = time.perf_counter()
    batches = [ids[i:i + 100] for i in range(0, len(ids), 100)]
    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(lambda b: _ok(cloud, "POST", f"/flows/{flow_id}/enrollments", {"contact_ids": b},
                                          token)["enrolled"], batches))
    if sum(done) != len(ids):
        raise RuntimeError(f"enrolled {sum(done)} of {len(ids)}")
    return time.perf_counter() - started


def _held(cloud: LocalCloudProcess, data_dir: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for label, pid in _pids(data_dir, cloud).items():
        threads, rss = _usage(pid)
        figures[label] = {"threads": threads, "rss_mb": round(rss)}
    return figures


def _restart(cloud: LocalCloudProcess, how: str, machine: str, n: int, sample: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    if how == "SIGKILL":
        cloud.kill_all()
        cloud.start()
    else:
        cloud.restart()
    ready_s = time.perf_counter() - started
    running = _executions(cloud, machine, "RUNNING")
    back_s = time.perf_counter() - started
    kept = _entered(cloud, [a for a in sample if a in set(running)])
    return {"restart": how, "ready_s": round(ready_s, 1), "running_again": len(running), "of": n,
            "all_back_s": round(back_s, 1), "sampled_same_wait_start": sum(kept[a] == sample[a] for a in kept),
            "sampled": len(sample)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.waiting_runs")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--wait-s", type=float, default=1800.0, help="the delay as run (must outlast enrolment and "
                        "the restarts)")
    parser.add_argument("--workers", type=int, default=4, help="enrolment calls at a time")
    parser.add_argument("--keep", type=Path, default=None, help="data dir to use (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        data_dir = base / "data"
        env = {"LEADPILOT_TIME_SCALE": f"{86400 / args.wait_s:.6f}",
               "LEADPILOT_PARK_WAITS_AFTER_S": str(min(60.0, args.wait_s / 2))}
        cloud = LocalCloudProcess(data_dir, _free_port(), base, env=env)
        cloud.start()
        try:
            return _bench(cloud, data_dir, args)
        finally:
            cloud.stop()


def _bench(cloud: LocalCloudProcess, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    n = args.runs
    login = {"email": f"bench-{int(time.time())}@example.com", "password": "bench-password-1"}
    signup = _ok(cloud, "POST", "/auth/signup", {**login, "name": "Bench", "workspace_name": "Waiting runs"})
    token, workspace_id = signup["access_token"], signup["workspace"]["id"]
    started = time.perf_counter()
    load = ("from leadpilot.db.base import bind_tables; from leadpilot.settings import get_settings; "
            f"bind_tables(get_settings()); from bench.contacts_scale import _load; _load({workspace_id!r}, {n})")
    subprocess.run([sys.executable, "-m", "infra.local", "with-env", "--data-dir", str(data_dir), "--", sys.executable,
                    "-c", load], cwd=ROOT, check=True)
    print(f"loaded {n} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    flow_id = _ok(cloud, "POST", "/flows", FLOW, token)["id"]
    machine = _ok(cloud, "POST", f"/flows/{flow_id}/publish", token=token)
    machine_arn = _machine_arn(cloud, flow_id, token, machine)
    ids = _contacts(cloud, token)[:n]
    enrol_s = _enrol(cloud, token, flow_id, ids, args.workers)
    last_due = time.time() + args.wait_s
    print(f"enrolled {len(ids)} in {enrol_s:.0f} s ({len(ids) / enrol_s:.1f}/s)", flush=True)
    running = _until(lambda: (r := _executions(cloud, machine_arn, "RUNNING")) and len(r) >= n and r, 600,
                     "every execution runs")
    time.sleep(5)  # let the last program threads let go of their parked executions
    held = _held(cloud, data_dir)
    sample = _entered(cloud, random.Random(1).sample(running, min(SAMPLE, len(running))))
    print(f"holding {n} waiting runs: {json.dumps(held)}", flush=True)
    restarts = [_restart(cloud, how, machine_arn, n, sample) for how in ("SIGKILL", "clean stop")]
    for r in restarts:
        print(f"after a {r['restart']}: ready in {r['ready_s']} s, {r['running_again']}/{n} executions running "
              f"again ({r['all_back_s']} s), {r['sampled_same_wait_start']}/{r['sampled']} sampled kept their "
              f"wait's start", flush=True)
    held_after = _held(cloud, data_dir)
    print(f"holding them after the restarts: {json.dumps(held_after)}", flush=True)
    _until(lambda: time.time() >= last_due, args.wait_s + 60, "the last due time")
    due = time.perf_counter()
    _until(lambda: len(_executions(cloud, machine_arn, "SUCCEEDED")) >= n, 3600, "every execution succeeds")
    ended_s = time.perf_counter() - due
    print(f"after the last due time: every execution ended in {ended_s:.0f} s", flush=True)
    token = _ok(cloud, "POST", "/auth/login", login)["access_token"]  # the first one has expired by now
    metrics = _until(lambda: (m := _ok(cloud, "GET", f"/flows/{flow_id}/metrics", token=token))["completed"] >= n
                     and m, 3600, "every run record closes")
    closed_s = time.perf_counter() - due
    print(f"after the last due time: every run record closed in {closed_s:.0f} s (by status {metrics['by_status']})",
          flush=True)
    moto = held.get("moto (Step Functions, SQS, ...)", {})
    return {"runs": n, "enrol_s": round(enrol_s, 1), "enrol_per_s": round(n / enrol_s, 1), "held": held,
            "held_after_restarts": held_after, "restarts": restarts, "ended_after_due_s": round(ended_s),
            "closed_after_due_s": round(closed_s), "by_status": metrics["by_status"],
            "moto_threads": moto.get("threads"), "moto_rss_mb": moto.get("rss_mb")}


def _machine_arn(cloud: LocalCloudProcess, flow_id: str, token: str, published: Any) -> str:
    for value in (published, _ok(cloud, "GET", f"/flows/{flow_id}", token=token)):
        if isinstance(value, dict):
            for key in ("state_machine_arn", "machine_arn"):
                if value.get(key):
                    return str(value[key])
            if isinstance(value.get("published"), dict) and value["published"].get("state_machine_arn"):
                return str(value["published"]["state_machine_arn"])
    raise RuntimeError(f"no state machine ARN in {published}")


if __name__ == "__main__":
    main(sys.argv[1:])
