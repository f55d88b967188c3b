"""Run controls and the reconciler: AWS calls each one makes, as a ratio to the calls it needs at minimum, and
its time, on in-process moto with every resource from template.yaml (the API path: routing, auth, Chalice).

Minimum per control (what the mechanism of ADR 0011 must do):
  pause   = GetItem run + GetExecutionHistory + TransactWriteItems (status, listings, counters) + StopExecution
  resume  = GetItem run + GetItem version + GetItem contact + TransactWriteItems + StartExecution
  sweep   = Query ACTIVE_RUNS + ListExecutions per machine (nothing changed)
Run: python -m bench.run_controls [--runs 30]   (about 40 s)
"""
from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import botocore.client
from moto import mock_aws

from infra.local.provision import provision
from leadpilot.settings import get_settings
from tests.integration.conftest import JWT_SECRET, drain_queue, sign_up
from tests.integration.test_automation_runs import waiting_flow
from tests.integration.test_automation_runtime_helpers import automations, deliver, trigger_envelopes
from tests.support.apps import TEMPLATE, Api

MINIMUM = {"pause": 4, "resume": 5, "sweep": 2}
_calls: Counter[str] = Counter()
_real = botocore.client.BaseClient._make_api_call


_spent: Counter[str] = Counter()


def _counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
    _calls[operation] += 1
    start = time.perf_counter()
    try:
        return _real(client, operation, params)
    finally:
        _spent[operation] += int((time.perf_counter() - start) * 1000)


def _measure(fn: Callable[[], Any]) -> tuple[int, float, Counter[str]]:
    _calls.clear()
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    return sum(_calls.values()), elapsed, Counter(_calls)


def main(argv: list[str]) -> dict[str, dict[str, float]]:
    n = _parser().parse_args(argv).runs
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        deployment = provision(TEMPLATE, {"Stage": "bench", "JwtSecret": JWT_SECRET})
        for key, value in deployment.function("ContactsFunction").environment.items():
            if key != "POWERTOOLS_SERVICE_NAME":
                os.environ[key] = value
        get_settings.cache_clear()
        api = Api()
        token = sign_up(api, "Bench")["access_token"]
        flow_id = api.post("/flows", waiting_flow(), token=token).body["id"]
        api.post(f"/flows/{flow_id}/publish", token=token)
        for i in range(n):
            contact = api.post("/contacts", {"first_name": f"C{i}", "phone": f"+1415555{i:04d}"}, token=token).body
            api.post(f"/contacts/{contact['id']}/tags", {"add": ["go"]}, token=token)
        deliver(trigger_envelopes(deployment))
        drain_queue(deployment, "AutomationActionsQueue", automations().on_action)
        run_ids = [r["id"] for r in api.get(f"/flows/{flow_id}/runs?limit=200", token=token).body["items"]]
        botocore.client.BaseClient._make_api_call = _counting  # type: ignore[method-assign]
        try:
            automations().reconcile_runs({}, None)  # the first sweep of a process also builds its clients
            rows = [("sweep", *_measure(lambda: automations().reconcile_runs({}, None)))]
            rid = run_ids[0]
            rows.append(("pause", *_measure(lambda: api.post(f"/runs/{rid}/pause", token=token))))
            rows.append(("resume", *_measure(lambda: api.post(f"/runs/{rid}/resume", token=token))))
        finally:
            botocore.client.BaseClient._make_api_call = _real  # type: ignore[method-assign]
    print(f"run controls, {len(run_ids)} running runs (in-process moto)")
    print(f"{'operation':<8} {'calls':>5} {'minimum':>7} {'ratio':>6} {'ms':>7}  calls by operation")
    for name, calls, seconds, ops in rows:
        detail = ", ".join(f"{op} {c}" for op, c in sorted(ops.items()))
        print(f"{name:<8} {calls:>5} {MINIMUM[name]:>7} {calls / MINIMUM[name]:>6.2f} {seconds * 1000:>7.1f}  {detail}")
    print("ms per operation (all):", dict(_spent))
    return {name: {"calls": calls, "minimum": MINIMUM[name], "ms": seconds * 1000} for name, calls, seconds, _ in rows}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    return parser


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
