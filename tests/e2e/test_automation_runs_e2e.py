"""A flow run survives a restart of the real local cloud: the scheduled reconciler restarts it at its node."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import LocalCloudProcess

# xdist_group: one local cloud at a time, the e2e tests run one after another on one worker of a parallel
# run (`--dist loadgroup`) while the other workers take the unit and integration tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
DEMO = {"email": "owner@demo.leadpilot.test", "password": "demo-password-2026"}
FLOW = {"name": "Ask and wait", "trigger": {"event": "contact.tag_added",
                                            "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "e2e-ask"}]},
        "nodes": [{"id": "start", "type": "trigger"}, {"id": "ask", "type": "send_sms", "body": "Any questions?"},
                  {"id": "await", "type": "wait_for_reply", "timeout": {"days": 365}},
                  {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
        "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "await"},
                  {"from": "await", "to": "yes", "label": "reply"}, {"from": "await", "to": "no", "label": "timeout"}]}


def _until(check: Callable[[], Any], limit_s: float, what: str) -> Any:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {limit_s} s")


def test_a_waiting_run_continues_after_the_local_cloud_restarts(fast_cloud: LocalCloudProcess) -> None:
    # Given a run that texted its contact and waits for a reply
    cloud = fast_cloud
    token = cloud.call("POST", "/auth/login", DEMO)[1]["access_token"]
    status, flow = cloud.call("POST", "/flows", FLOW, token)
    assert status == 201, flow
    assert cloud.call("POST", f"/flows/{flow['id']}/publish", token=token)[0] == 201
    status, contact = cloud.call("POST", "/contacts", {"first_name": "Restart", "phone": "+14155550999"}, token)
    assert cloud.call("POST", f"/contacts/{contact['id']}/tags", {"add": ["e2e-ask"]}, token)[0] == 200

    def waiting() -> dict[str, Any] | None:
        runs = cloud.call("GET", f"/flows/{flow['id']}/runs", token=token)[1]["items"]
        return runs[0] if runs and runs[0]["current_node"] == "await" else None

    run = _until(waiting, 60, "the run reaches its wait")

    # When the local cloud restarts (every execution and state machine is gone; the data is restored)
    cloud.restart()

    # Then the reconciler re-creates the machine and starts the same run again at its wait, without a second text
    def recovered() -> dict[str, Any] | None:
        """The run's second execution started and its recovery is in the step log (written just after)."""
        again = cloud.call("GET", f"/runs/{run['id']}", token=token)[1]
        steps = cloud.call("GET", f"/runs/{run['id']}/steps", token=token)[1]["items"]
        logged = any(s["type"] == "control" and s["step"] == "recover" for s in steps)
        return again if again["executions"] >= 2 and logged else None

    again = _until(recovered, 90, "the run is recovered")
    assert (again["status"], again["current_node"]) == ("running", "await"), again
    steps = cloud.call("GET", f"/runs/{run['id']}/steps", token=token)[1]["items"]
    texts = [s for s in steps if s["type"] == "action" and s["node"] == "ask"]
    assert len(texts) == 1 and texts[0]["status"] == "done" and texts[0]["deliveries"] == 1, texts
    assert ("recover", "await") in [(s["step"], s["node"]) for s in steps if s["type"] == "control"], steps
