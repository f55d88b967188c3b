"""The run reconciler: runs survive the local cloud losing every execution and machine; ended runs are closed."""
from __future__ import annotations

import time
from typing import Any

from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from leadpilot.automation.runs import recovery, runs
from leadpilot.automation.runs.config import runtime_config
from leadpilot.settings import get_settings
from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runs import (
    at_node,
    enrol,
    flow_of,
    only_run,
    parked,
    published,
    work,
)
from tests.integration.test_automation_runtime_helpers import automations, deliver, drive, reply_envelope, texts
from tests.support.apps import Api


def forget_every_execution() -> int:
    """What a restart of the local cloud does to Step Functions: every machine and execution is gone."""
    backend = stepfunctions_parser_backends["123456789012"]["us-east-1"]
    for machine in list(backend.state_machines):
        for execution in machine.executions:
            if execution.status == "RUNNING":
                backend.stop_execution(execution.execution_arn)  # ends its thread
    lost = len(backend.state_machines)
    backend.state_machines.clear()
    return lost


def reply_flow() -> dict[str, Any]:
    """Text, wait for a reply (3 days, unscaled), then thank on a reply."""
    return flow_of([{"id": "ask", "type": "send_sms", "body": "Any questions?"},
                    {"id": "await", "type": "wait_for_reply", "timeout": {"days": 3}},
                    {"id": "thanks", "type": "send_sms", "body": "Thanks!"},
                    {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
                   [("ask", "await"), ("await", "thanks", "reply"), ("await", "no", "timeout"), ("thanks", "yes")])


def test_a_run_whose_execution_is_gone_continues_at_its_node(cloud: Any, api: Api, owner: dict[str, Any],
                                                              monkeypatch: Any) -> None:
    # Given a run that texted and now waits for a reply, when the local cloud loses every execution and machine
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, reply_flow())
    contact_id = enrol(cloud, api, token, {"first_name": "Re", "phone": "+14155550155"})
    run_id = only_run(api, token, flow_id)["id"]
    work(cloud, until=parked(api, token, run_id, "await"))
    assert forget_every_execution() == 1
    monkeypatch.setattr(runs, "START_GRACE_S", 0)  # the run's record is seconds old here

    # When the reconciler sweeps
    swept = automations().reconcile_runs({}, None)

    # Then the run is restarted at its wait (same run, next execution), and goes on when the contact replies
    assert swept == {"checked": 1, "closed": 0, "recovered": 1, "failed": 0}, swept
    run = api.get(f"/runs/{run_id}", token=token).body
    assert (run["status"], run["executions"], run["current_node"]) == ("running", 2, "await"), run
    work(cloud, until=parked(api, token, run_id, "await"))
    deliver([reply_envelope(ws, contact_id)])
    run = drive(cloud, api, token, run_id, ws, contact_id)
    assert run["status"] == "succeeded", run
    assert sorted(t["body"] for t in texts(ws, contact_id)) == ["Any questions?", "Thanks!"]  # no text twice
    controls = [(s["step"], s["node"]) for s in api.get(f"/runs/{run_id}/steps", token=token).body["items"]
                if s["type"] == "control"]
    assert controls == [("machine_recreated", None), ("recover", "await")]


def test_every_lost_run_comes_back_within_the_sweeps_its_budget_needs(cloud: Any, api: Api, owner: dict[str, Any],
                                                                        monkeypatch: Any) -> None:
    # Given five runs waiting for replies, and a restart that lost every execution
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, reply_flow())
    contacts = [enrol(cloud, api, token, {"first_name": f"R{n}", "phone": f"+1415555014{n}"}) for n in range(5)]
    run_ids = [r["id"] for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"]]
    assert len(run_ids) == 5
    for run_id in run_ids:
        work(cloud, until=parked(api, token, run_id, "await"))
    forget_every_execution()
    monkeypatch.setattr(runs, "START_GRACE_S", 0)

    # When the reconciler sweeps with room for two recoveries per sweep
    sweeps = [recovery.reconcile(get_settings(), runtime_config(), budget=2) for _ in range(4)]

    # Then each sweep reads every run, recovers the next two, and three sweeps bring all five back
    assert [(s["checked"], s["recovered"], s.get("deferred", 0)) for s in sweeps] == [
        (5, 2, 3), (5, 2, 1), (5, 1, 0), (5, 0, 0)], sweeps
    recovered = {r["id"]: r for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"]}
    assert {(r["status"], r["executions"]) for r in recovered.values()} == {("running", 2)}, recovered
    # And a reply to the last one brought back resumes it
    last = next(r for r in recovered.values() if r["contact_id"] == contacts[-1])
    work(cloud, until=parked(api, token, last["id"], "await"))
    deliver([reply_envelope(ws, contacts[-1])])
    assert drive(cloud, api, token, last["id"], ws, contacts[-1])["status"] == "succeeded"


def test_the_reconciler_closes_runs_that_ended_unseen_and_leaves_live_ones(cloud: Any, api: Api,
                                                                             owner: dict[str, Any]) -> None:
    # Given a run that ended without anyone reading it, and one still waiting for a reply (its 3 days at real
    # time: sped up, they were a second, and a slow machine's sweep found it timed out and closed it too)
    token = owner["access_token"]
    quick = published(api, token, flow_of([{"id": "mark", "type": "add_tag", "tag": "seen"},
                                           {"id": "done", "type": "end"}], [("mark", "done")], tag="quick"))
    waiting = published(api, token, reply_flow())
    enrol(cloud, api, token, {"first_name": "Qu", "phone": "+14155550156"}, tag="quick")
    enrol(cloud, api, token, {"first_name": "Wa", "phone": "+14155550157"})
    deadline = time.monotonic() + 10
    while api.get(f"/flows/{quick}/metrics", token=token).body["completed"] == 0 and time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        automations().reconcile_runs({}, None)
        time.sleep(0.2)

    # When the reconciler sweeps again
    swept = automations().reconcile_runs({}, None)

    # Then the ended run was closed (the flow's counters say so) and the live one is only checked
    assert api.get(f"/flows/{quick}/metrics", token=token).body["completed"] == 1
    assert swept == {"checked": 1, "closed": 0, "recovered": 0, "failed": 0}, swept
    assert api.get(f"/flows/{waiting}/metrics", token=token).body["active"] == 1


def test_a_flow_whose_machine_is_gone_still_enrols(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a published flow whose state machine the local cloud lost in a restart
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, reply_flow())
    assert forget_every_execution() == 1

    # When a contact triggers it
    contact_id = enrol(cloud, api, token, {"first_name": "Ne", "phone": "+14155550158"})
    work(cloud, until=at_node(api, token, flow_id, "await"))

    # Then the version's machine is re-created from its document and the run goes on
    run = only_run(api, token, flow_id)
    assert run["status"] == "running" and run["current_node"] == "await", run
    assert [t["body"] for t in texts(ws, contact_id)] == ["Any questions?"]
