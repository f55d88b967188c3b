"""Waiting runs on the local cloud: N runs held in a long delay (`--kind delay`) or waiting for a reply
(`--kind reply`), the cost of holding them, and all of them back after a restart (SIGKILL of the whole cloud).

It starts a local cloud of its own (DynamoDB Local) at a time scale that makes the flow's one day last `--wait-s`
real seconds (long waits and unanswered callback tasks are parked by the moto server: infra.local.sfn_waits and
sfn_callbacks), signs up, loads the contacts straight into DynamoDB (`load`, batch writes), publishes a
flow `trigger -> delay 1 day -> end` or `trigger -> wait for reply (1 day) -> yes | no` and enrols every contact
through the product's own path, POST /flows/{id}/enrollments (100 per call, a few calls at a time). Printed:
  enrolment rate; how long after every execution is RUNNING the queues are empty (the action worker registers
  each run's wait; the figures "while holding" are taken after that, with nothing left to do); threads and RSS
  of each local-cloud process with no run and while holding the runs, and per waiting run in moto; the API's
  latency (GET /contacts, GET /flows/{id}/runs: p50/p95) with 0 and N waiting
  (with 0, the runs listed are a page of another flow's ended runs, so both figures are for a page of 50);
  for each restart: time until the cloud answers with every execution RUNNING again, how many came back, and
  whether sampled executions kept their wait's start (hence their due time);
  delay: time from the last due time until every execution ended and every run record was closed;
  reply: replies (POST /dev/sms/inbound) from a sample of the contacts, the last run of the listing among them,
  after the restart, and how many of those runs resumed and ended on their reply path.
Run: python -m bench.waiting_runs [--kind reply] [--runs 10000] [--wait-s 1800] [--workers 4]
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from bench.contacts_scale import _contacts as _contacts_of
from tests.e2e import conftest
from tests.e2e.conftest import LocalCloudProcess, _free_port

ROOT = Path(__file__).resolve().parents[1]
FLOW = {"name": "Wait a day", "trigger": {"event": "contact.tag_added", "filters": [
            {"var": "trigger.data.tag", "op": "eq", "value": "bench-waiting-runs"}]},
        "nodes": [{"id": "start", "type": "trigger"}, {"id": "later", "type": "delay", "days": 1},
                  {"id": "done", "type": "end"}],
        "edges": [{"from": "start", "to": "later"}, {"from": "later", "to": "done"}]}
REPLY_FLOW = {"name": "Wait for a reply", "trigger": FLOW["trigger"],
              "nodes": [{"id": "start", "type": "trigger"},
                        {"id": "await", "type": "wait_for_reply", "channel": "sms", "timeout": {"days": 1}},
                        {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
              "edges": [{"from": "start", "to": "await"}, {"from": "await", "to": "yes", "label": "reply"},
                        {"from": "await", "to": "no", "label": "timeout"}]}
ENDS_AT_ONCE = {"name": "Ends at once", "trigger": FLOW["trigger"],
                "nodes": [{"id": "start", "type": "trigger"}, {"id": "done", "type": "end"}],
                "edges": [{"from": "start", "to": "done"}]}
PAGE = 50  # runs on a page of the listing measured
RECORDED = ROOT / "bench" / "recorded"  # figures of runs too long for make bench, shown in its table
SAMPLE = 50
MOTO = "moto (Step Functions, SQS, ...)"
REPLIES = 20  # contacts who reply after the restart (the last run of the listing among them)
LATENCY_N = 20


def load(workspace_id: str, count: int) -> None:
    """Write `count` contacts straight to the database, in batches: each with every item creating it through the
    API writes (its phone and email claims too, by which an inbound text finds its contact) and tag counters."""
    from leadpilot.contacts.indexes import contact_ops
    from leadpilot.contacts.models import ContactIndexItem, TagItem
    from leadpilot.contacts.store import tags_pk

    totals: Counter[str] = Counter()
    lock = threading.Lock()
    contacts = _contacts_of(workspace_id, count, random.Random(7))

    def write(part: list[Any]) -> None:
        with ContactIndexItem.batch_write() as batch:
            for contact in part:
                ops = contact_ops(None, contact)
                for item in [*(i for i, _ in ops.saves), *(c for _, c in ops.claims)]:
                    batch.save(item)
                with lock:
                    totals.update(ops.tag_deltas)

    with ThreadPoolExecutor(4) as pool:  # DynamoDB Local answers batches on several threads
        list(pool.map(write, [contacts[i::4] for i in range(4)]))
    with ContactIndexItem.batch_write() as batch:
        for tag, total in totals.items():
            batch.save(TagItem(tags_pk(workspace_id), f"TAG#{tag}", tag=tag, total=total))


def _ok(cloud: LocalCloudProcess, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, answer = cloud.call(method, path, body, token)
    if status not in (200, 201, 202):
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return answer


def _pids(data_dir: Path, cloud: LocalCloudProcess) -> dict[str, int]:
    pids = {"function host": cloud._process.pid if cloud._process else 0}
    for name, label in (("moto.pid", MOTO), ("dynamodb.pid", "DynamoDB Local")):
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


def _backlog(cloud: LocalCloudProcess) -> int:
    """Messages in the local cloud's queues, waiting or being handled."""
    sqs = boto3.client("sqs", endpoint_url=cloud.aws_endpoint, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    return sum(int(value) for url in sqs.list_queues().get("QueueUrls", [])
               for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values())


def _drained(cloud: LocalCloudProcess, limit_s: float) -> float:
    """Wait until every queue is empty (the action worker registers each run's wait after its execution is
    RUNNING, and slower than enrolment starts them); returns the seconds it took."""
    started = time.perf_counter()
    _until(lambda: _backlog(cloud) == 0, limit_s, "every queue is empty")  # in-flight messages count too
    return time.perf_counter() - started


def _entered(cloud: LocalCloudProcess, arns: list[str]) -> dict[str, str]:
    """When each sampled execution entered the state it waits in (its due time follows from it)."""
    sfn = boto3.client("stepfunctions", endpoint_url=cloud.aws_endpoint, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    found = {}
    for arn in arns:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        found[arn] = next(str(e["timestamp"]) for e in reversed(events) if e["type"].endswith("StateEntered"))
    return found


def _contacts(cloud: LocalCloudProcess, token: str) -> dict[str, str]:
    """Every contact's id and phone, in the listing's order."""
    phones: dict[str, str] = {}
    cursor = None
    while True:
        page = _ok(cloud, "GET", "/contacts?limit=200" + (f"&cursor={cursor}" if cursor else ""), token=token)
        phones |= {c["id"]: c.get("phone") or "" for c in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            return phones


def _runs(cloud: LocalCloudProcess, token: str, flow_id: str) -> list[dict[str, Any]]:
    """Every run of the flow, in the listing's order (newest first)."""
    found, cursor = [], None
    while True:
        page = _ok(cloud, "GET", f"/flows/{flow_id}/runs?limit=200" + (f"&cursor={cursor}" if cursor else ""),
                   token=token)
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def _latency(cloud: LocalCloudProcess, token: str, flow_id: str) -> dict[str, dict[str, float]]:
    """p50/p95 (ms) of a page of PAGE contacts and of PAGE runs of the flow, LATENCY_N calls each."""
    figures = {}
    paths = {"GET /contacts": f"/contacts?limit={PAGE}", "GET /flows/{id}/runs": f"/flows/{flow_id}/runs?limit={PAGE}"}
    for name, path in paths.items():
        times = []
        for _ in range(LATENCY_N):
            started = time.perf_counter()
            _ok(cloud, "GET", path, token=token)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        figures[name] = {"p50_ms": round(times[len(times) // 2], 1),
                         "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1)}
    return figures


def _per_run(idle: dict[str, Any], held: dict[str, Any], n: int) -> dict[str, float]:
    """What one waiting run costs moto: threads and KB over the idle figures."""
    before, after = idle.get(MOTO, {}), held.get(MOTO, {})
    return {"threads": round((after.get("threads", 0) - before.get("threads", 0)) / n, 3),
            "kb": round((after.get("rss_mb", 0) - before.get("rss_mb", 0)) * 1024 / n, 1)}


def _enrol(cloud: LocalCloudProcess, token: str, flow_id: str, ids: list[str], workers: int, size: int) -> float:
    """Enrol the contacts through the API (`size` per call); returns the seconds it took."""
    started = time.perf_counter()
    batches = [ids[i:i + size] for i in range(0, len(ids), size)]
    progress, lock = Counter[str](), threading.Lock()

    def enrol(batch: list[str]) -> int:
        enrolled = int(_ok(cloud, "POST", f"/flows/{flow_id}/enrollments", {"contact_ids": batch}, token)["enrolled"])
        with lock:
            progress["done"] += enrolled
            if progress["done"] // 1000 > (progress["done"] - enrolled) // 1000:  # a line per thousand
                print(f"  enrolled {progress['done']} after {time.perf_counter() - started:.0f} s", flush=True)
        return enrolled

    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(enrol, batches))
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
    parser.add_argument("--kind", choices=("delay", "reply"), default="delay", help="what the runs wait for")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--wait-s", type=float, default=1800.0, help="the delay or the reply's timeout as run (must "
                        "outlast enrolment and the restarts)")
    parser.add_argument("--workers", type=int, default=4, help="enrolment calls at a time")
    parser.add_argument("--batch", type=int, default=100, help="contacts per enrolment call (at most 100; fewer "
                        "on a loaded machine, where a call of 100 may outlast the client's 30 s)")
    parser.add_argument("--keep", type=Path, default=None, help="data dir to use (default: a temporary one)")
    parser.add_argument("--port", type=int, default=None, help="the local cloud's port (default: a free one)")
    parser.add_argument("--record", action="store_true", help=f"keep the figures in {RECORDED.relative_to(ROOT)}/ "
                        "for make bench's table (a 10,000-run bench is too long for make bench itself)")
    args = parser.parse_args(argv)
    args.park_after_s = min(60.0, args.wait_s / 2)
    result = _run(args)
    if args.record:
        RECORDED.mkdir(exist_ok=True)
        command = "python -m bench.waiting_runs " + " ".join(a for a in (argv or []) if a != "--record")
        (RECORDED / f"waiting_runs_{args.kind}_{args.runs}.json").write_text(json.dumps(
            {"command": command, "measured_at": time.strftime("%Y-%m-%d", time.gmtime()), **result}, indent=1) + "\n")
    return result


def _run(args: argparse.Namespace) -> dict[str, Any]:
    # A restart restores every parked execution before moto answers: at 10,000 that outlasts the usual wait.
    conftest.START_TIMEOUT = max(conftest.START_TIMEOUT, 120 + args.runs * 0.03)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        data_dir = base / "data"
        env = {"LEADPILOT_TIME_SCALE": f"{86400 / args.wait_s:.6f}",
               "LEADPILOT_PARK_WAITS_AFTER_S": str(args.park_after_s)}
        cloud = LocalCloudProcess(data_dir, args.port or _free_port(), base, env=env)
        cloud.start()
        try:
            return _bench(cloud, data_dir, args)
        finally:
            cloud.stop()


class _Token:
    """An access token that logs in again before it expires (a bench at 10,000 runs outlasts one); it is used
    where the API client formats it into the Authorization header."""

    def __init__(self, cloud: LocalCloudProcess, login: dict[str, str], token: str) -> None:
        self.cloud, self.login, self.value, self.at = cloud, login, token, time.monotonic()

    def __str__(self) -> str:
        if time.monotonic() - self.at > 600:
            self.value, self.at = _ok(self.cloud, "POST", "/auth/login", self.login)["access_token"], time.monotonic()
        return self.value

    __format__ = lambda self, spec: str(self)  # noqa: E731 - f"Bearer {token}"


def _workspace(cloud: LocalCloudProcess, data_dir: Path, n: int) -> tuple[Any, dict[str, str]]:
    """A workspace with n contacts: signed up and loaded, or the one a kept data dir already has."""
    saved = data_dir.parent / "bench-workspace.json"
    if saved.exists():  # --keep of an earlier run whose contacts were loaded
        login = json.loads(saved.read_text())
        return _Token(cloud, login, _ok(cloud, "POST", "/auth/login", login)["access_token"]), login
    login = {"email": f"bench-{int(time.time())}@example.com", "password": "bench-password-1"}
    signup = _ok(cloud, "POST", "/auth/signup", {**login, "name": "Bench", "workspace_name": "Waiting runs"})
    token = _Token(cloud, login, signup["access_token"])
    started = time.perf_counter()
    load = ("from leadpilot.db.base import bind_tables; from leadpilot.settings import get_settings; "
            f"bind_tables(get_settings()); from bench.waiting_runs import load; "
            f"load({signup['workspace']['id']!r}, {n})")
    subprocess.run([sys.executable, "-m", "infra.local", "with-env", "--data-dir", str(data_dir), "--", sys.executable,
                    "-c", load], cwd=ROOT, check=True)
    print(f"loaded {n} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    saved.write_text(json.dumps(login))
    return token, login


def _bench(cloud: LocalCloudProcess, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    n, reply = args.runs, args.kind == "reply"
    token, login = _workspace(cloud, data_dir, n)
    if reply:
        status, answer = cloud.call("POST", "/phone-numbers", {"number": "+14155553000"}, token)  # replies go to it
        if status not in (200, 201, 409):  # 409: a kept workspace has it already
            raise RuntimeError(f"POST /phone-numbers: {status} {answer}")
    flow_id = _ok(cloud, "POST", "/flows", REPLY_FLOW if reply else FLOW, token)["id"]
    machine = _ok(cloud, "POST", f"/flows/{flow_id}/publish", token=token)
    machine_arn = _machine_arn(cloud, flow_id, token, machine)
    phones = _contacts(cloud, token)
    ids = list(phones)[:n]
    ended_flow = _ended_runs(cloud, token, ids[:PAGE])
    idle, latency_idle = _held(cloud, data_dir), _latency(cloud, token, ended_flow)
    print(f"with no run waiting: {json.dumps(idle)}; API {json.dumps(latency_idle)}", flush=True)
    enrol_s = _enrol(cloud, token, flow_id, ids, args.workers, args.batch)
    last_due = time.time() + args.wait_s
    print(f"enrolled {len(ids)} in {enrol_s:.0f} s ({len(ids) / enrol_s:.1f}/s)", flush=True)
    running = _until(lambda: (r := _executions(cloud, machine_arn, "RUNNING")) and len(r) >= n and r, 600,
                     "every execution runs")
    drained_s = _drained(cloud, 3600)
    print(f"every queue empty {drained_s:.0f} s after every execution was RUNNING", flush=True)
    time.sleep(args.park_after_s + 5)  # let the last program threads let go of their parked executions
    held = _held(cloud, data_dir)
    latency_held = _latency(cloud, token, flow_id)
    sample = _entered(cloud, random.Random(1).sample(running, min(SAMPLE, len(running))))
    print(f"holding {n} waiting runs: {json.dumps(held)}; per run in moto {json.dumps(_per_run(idle, held, n))}; "
          f"API {json.dumps(latency_held)}", flush=True)
    restarts = [_restart(cloud, how, machine_arn, n, sample) for how in (("SIGKILL",) if reply else
                                                                         ("SIGKILL", "clean stop"))]
    for r in restarts:
        print(f"after a {r['restart']}: ready in {r['ready_s']} s, {r['running_again']}/{n} executions running "
              f"again ({r['all_back_s']} s), {r['sampled_same_wait_start']}/{r['sampled']} sampled kept their "
              f"wait's start", flush=True)
    token = _ok(cloud, "POST", "/auth/login", login)["access_token"]
    held_after, latency_after = _held(cloud, data_dir), _latency(cloud, token, flow_id)
    print(f"holding them after the restarts: {json.dumps(held_after)}; API {json.dumps(latency_after)}", flush=True)
    figures = {"kind": args.kind, "runs": n, "enrol_s": round(enrol_s, 1), "enrol_per_s": round(n / enrol_s, 1),
               "drained_after_running_s": round(drained_s),
               "idle": idle, "held": held, "held_after_restarts": held_after, "per_run": _per_run(idle, held, n),
               "latency": {"0": latency_idle, str(n): latency_held, f"{n} after restart": latency_after},
               "restarts": restarts, "moto_threads": held.get(MOTO, {}).get("threads"),
               "moto_rss_mb": held.get(MOTO, {}).get("rss_mb")}
    tail = _replies(cloud, token, flow_id, phones) if reply else _delays_end(cloud, login, flow_id, machine_arn,
                                                                           n, last_due, args.wait_s)
    return {**figures, **tail}


def _ended_runs(cloud: LocalCloudProcess, token: str, ids: list[str]) -> str:
    """A flow with a run that ended on its own for each contact, every record closed by the execution's
    status-change event: the listing's figure "with no run waiting" is a full page of ended runs."""
    flow_id = _ok(cloud, "POST", "/flows", ENDS_AT_ONCE, token)["id"]
    _ok(cloud, "POST", f"/flows/{flow_id}/publish", token=token)
    _ok(cloud, "POST", f"/flows/{flow_id}/enrollments", {"contact_ids": ids}, token)
    _until(lambda: _ok(cloud, "GET", f"/flows/{flow_id}/metrics", token=token)["completed"] >= len(ids), 300,
           "every run of the flow that ends at once is closed")
    return str(flow_id)


def _replies(cloud: LocalCloudProcess, token: str, flow_id: str, phones: dict[str, str]) -> dict[str, Any]:
    """Replies from a sample of the waiting contacts (the last run of the listing among them): each run resumes
    and ends on its reply path."""
    listed = _runs(cloud, token, flow_id)
    chosen = [listed[-1], *random.Random(2).sample(listed[:-1], min(REPLIES - 1, len(listed) - 1))]
    started = time.perf_counter()
    for run in chosen:
        _ok(cloud, "POST", "/dev/sms/inbound", {"from": phones[run["contact_id"]], "body": "Yes please"}, token)

    def ended() -> list[dict[str, Any]] | None:
        found = [_ok(cloud, "GET", f"/runs/{run['id']}", token=token) for run in chosen]
        return found if all(r["status"] != "running" for r in found) else None

    found = _until(ended, 600, "every run replied to ends")
    resumed_s = time.perf_counter() - started
    on_reply = sum((r["status"], r["outcome"]) == ("succeeded", "yes") for r in found)
    last = found[0]
    print(f"after the restart: {on_reply}/{len(chosen)} runs replied to resumed and ended on their reply path in "
          f"{resumed_s:.1f} s (the last of the listing: {last['status']}, {last['outcome']})", flush=True)
    return {"replied": len(chosen), "resumed_on_reply": on_reply, "replies_ended_s": round(resumed_s, 1),
            "last_listed_resumed": (last["status"], last["outcome"]) == ("succeeded", "yes")}


def _delays_end(cloud: LocalCloudProcess, login: dict[str, str], flow_id: str, machine_arn: str, n: int,
                last_due: float, wait_s: float) -> dict[str, Any]:
    """Every delayed run goes on once after its due time: how long until all ended and all records closed."""
    _until(lambda: time.time() >= last_due, wait_s + 60, "the last due time")
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
    return {"ended_after_due_s": round(ended_s), "closed_after_due_s": round(closed_s),
            "by_status": metrics["by_status"]}


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
