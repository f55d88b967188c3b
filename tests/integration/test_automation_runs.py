"""Runs: step log, failure visibility (retry with backoff, error path, clear reason), controls (moto in-process)."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.client
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from leadpilot.automation.runs.config import runtime_config
from leadpilot.automation.steps import actions
from leadpilot.automation.triggers.triggers import STATUS_CHANGE
from leadpilot.clock import now_iso
from leadpilot.db.crm_models import ActivityItem
from leadpilot.events.envelope import source_of
from leadpilot.events.outbox import as_plain
from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import (
    THREE_DAYS_IN_ONE_SECOND,
    automations,
    deliver,
    drive,
    reply_envelope,
    texts,
    trigger_envelopes,
)
from tests.support.apps import ROOT, Api


@pytest.fixture
def fast_time(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", str(round(1 / THREE_DAYS_IN_ONE_SECOND)))
    runtime_config.cache_clear()
    yield
    runtime_config.cache_clear()


def flow_of(nodes: list[dict[str, Any]], edges: list[tuple[str, str] | tuple[str, str, str]],
            tag: str = "go") -> dict[str, Any]:
    """A flow started when `tag` is added: the trigger leads to the first node listed."""
    return {"name": "Runs", "trigger": {"event": "contact.tag_added",
                                        "filters": [{"var": "trigger.data.tag", "op": "eq", "value": tag}]},
            "nodes": [{"id": "start", "type": "trigger"}, *nodes],
            "edges": [{"from": "start", "to": nodes[0]["id"]}]
            + [{"from": e[0], "to": e[1], **({"label": e[2]} if len(e) == 3 else {})} for e in edges]}


def published(api: Api, token: str, flow: dict[str, Any]) -> str:
    created = api.post("/flows", flow, token=token)
    assert created.status == 201, created
    assert api.post(f"/flows/{created.body['id']}/publish", token=token).status == 201
    return str(created.body["id"])


def enrol(cloud: Any, api: Api, token: str, contact: dict[str, Any], tag: str = "go") -> str:
    """Create the contact, tag it, deliver the trigger: returns the contact id."""
    made = api.post("/contacts", contact, token=token)
    assert made.status == 201, made
    api.post(f"/contacts/{made.body['id']}/tags", {"add": [tag]}, token=token)
    deliver(trigger_envelopes(cloud))
    return str(made.body["id"])


def only_run(api: Api, token: str, flow_id: str) -> dict[str, Any]:
    items = api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
    assert len(items) == 1, items
    return dict(items[0])


def work(cloud: Any, until: Callable[[], bool], limit_s: float = 20) -> None:
    """Play the action worker until `until()` holds (a run parked where the test expects it).

    Step Functions runs each execution on its own thread, so how far a run got after a fixed number of rounds
    depends on the machine's load; waiting for the state itself does not.
    """
    deadline = time.monotonic() + limit_s
    while True:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        if until():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the runs did not get there in {limit_s}s")
        time.sleep(0.1)


def at_node(api: Api, token: str, flow_id: str, node: str) -> Callable[[], bool]:
    """Every running run of the flow is at `node` by its record (set as the worker performs the node's action)."""
    def check() -> bool:
        items = api.get(f"/flows/{flow_id}/runs?status=running", token=token).body["items"]
        return bool(items) and all(r["current_node"] == node for r in items)
    return check


def parked(api: Api, token: str, run_id: str, node: str) -> Callable[[], bool]:
    """The run's current execution waits at `node`'s action (a wait for a reply or an event holds its token)."""
    def check() -> bool:
        run = api.get(f"/runs/{run_id}", token=token).body
        return any(s["type"] == "action" and s["node"] == node and s["status"] == "waiting"
                   and s["execution"] == run["executions"] for s in steps_of(api, token, run_id))
    return check


def in_state(api: Api, token: str, run_ids: list[str], node: str) -> Callable[[], bool]:
    """Each run's current execution has entered the native state `node` last (a delay, which has no action)."""
    def check() -> bool:
        for run_id in run_ids:
            run = api.get(f"/runs/{run_id}", token=token).body
            native = [s for s in steps_of(api, token, run_id, history=True)
                      if s["type"] == "native" and s["execution"] == run["executions"]]
            if not native or (native[-1]["node"], native[-1]["status"]) != (node, "entered"):
                return False
        return True
    return check


def steps_of(api: Api, token: str, run_id: str, history: bool = False) -> list[dict[str, Any]]:
    reply = api.get(f"/runs/{run_id}/steps" + ("?history=true" if history else ""), token=token)
    assert reply.status == 200, reply
    return list(reply.body["items"])


def test_a_permanent_failure_fails_the_run_with_its_reason_in_the_log(cloud: Any, api: Api, owner: dict[str, Any],
                                                                        fast_time: None) -> None:
    # Given a flow that texts the contact, and a contact without a phone number
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, flow_of([{"id": "text", "type": "send_sms", "body": "Hi"},
                                             {"id": "done", "type": "end"}], [("text", "done")]))
    contact_id = enrol(cloud, api, token, {"first_name": "Nophone", "email": "np@example.com"})
    run_id = only_run(api, token, flow_id)["id"]

    # When the worker performs the text
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then the run failed and says why, the log has the failed step with its error, and the counters moved
    assert run["status"] == "failed", run
    assert run["error"] == "LeadPilot.ActionFailed" and "no phone" in run["cause"], run
    assert run["last_error"]["node"] == "text"
    [step] = [s for s in steps_of(api, token, run_id) if s["type"] == "action"]
    assert step["node"] == "text" and step["status"] == "failed" and "no phone" in step["cause"]
    assert step["input"]["config"] == {"body": "Hi"} and step["duration_ms"] is not None
    metrics = api.get(f"/flows/{flow_id}/metrics", token=token).body
    assert (metrics["enrolled"], metrics["active"], metrics["failed"], metrics["completed"]) == (1, 0, 1, 0)
    assert metrics["by_outcome"] == {"failed": 1} and run["outcome"] == "failed"
    assert metrics["nodes"]["text"] == {"entered": 1, "failed": 1}
    # and the contact's timeline says the run ended failed, with the reason (automation.run_ended)
    ended = [a for a in api.get(f"/contacts/{contact_id}/timeline?types=automation.run_ended",
                                token=token).body["items"]]
    assert [(a["data"]["status"], a["data"]["outcome"], a["data"]["node"]) for a in ended] == [
        ("failed", "failed", "text")]
    assert "no phone" in ended[0]["data"]["cause"]
    [item] = [i for i in ActivityItem.query(f"WS#{ws}#CONTACT#{contact_id}") if i.type == "automation.run_ended"]
    schema = Draft202012Validator(json.loads((ROOT / "events/schemas/automation.run_ended.json").read_text()),
                                  format_checker=FormatChecker())
    assert list(schema.iter_errors(as_plain(item.event))) == []
    sample = json.loads((ROOT / "events/eventbridge/automation.run_ended.json").read_text())
    assert list(schema.iter_errors(sample["detail"])) == [] and sample["source"] == source_of("automation.run_ended")


def test_a_failure_with_an_error_edge_takes_it_and_the_run_goes_on(cloud: Any, api: Api, owner: dict[str, Any],
                                                                     fast_time: None) -> None:
    # Given a flow whose text has an error edge to a task for the owner
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, flow_of(
        [{"id": "text", "type": "send_sms", "body": "Hi"},
         {"id": "call", "type": "create_task", "title": "Call {{contact.first_name}}: no phone", "assignee": "owner"},
         {"id": "done", "type": "end"}],
        [("text", "done"), ("text", "call", "error"), ("call", "done")]))
    contact_id = enrol(cloud, api, token, {"first_name": "Bo", "email": "bo@example.com"})
    run_id = only_run(api, token, flow_id)["id"]

    # When the worker runs it
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then the run succeeded along its error path, and keeps the failure's reason
    assert run["status"] == "succeeded", run
    assert run["last_error"]["node"] == "text" and "no phone" in run["last_error"]["cause"]
    actions = [(s["node"], s["status"]) for s in steps_of(api, token, run_id) if s["type"] == "action"]
    assert actions == [("text", "failed"), ("call", "done")]
    assert [t["title"] for t in api.get("/tasks?view=team", token=token).body["items"]] == ["Call Bo: no phone"]


def test_a_transient_failure_is_retried_with_backoff_then_succeeds(cloud: Any, api: Api, owner: dict[str, Any],
                                                                     fast_time: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a flow that creates a task, and DynamoDB that drops the first transaction the worker sends
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, flow_of([{"id": "call", "type": "create_task", "title": "Call"},
                                             {"id": "done", "type": "end"}], [("call", "done")]))
    contact_id = enrol(cloud, api, token, {"first_name": "Cy", "phone": "+14155550177"})
    run_id = only_run(api, token, flow_id)["id"]
    real_call = botocore.client.BaseClient._make_api_call
    dropped: list[float] = []

    def flaky(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems" and not dropped:
            dropped.append(time.monotonic())
            raise botocore.exceptions.ConnectionClosedError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", flaky)

    # When the worker runs it
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then the message came back after the backoff, the second delivery created one task, and the log says so
    assert dropped and run["status"] == "succeeded", run
    assert time.monotonic() - dropped[0] >= 2
    [step] = [s for s in steps_of(api, token, run_id) if s["type"] == "action"]
    assert (step["status"], step["deliveries"], step["attempt"]) == ("done", 2, 0), step
    assert "ConnectionClosedError" in step["retries"][0]["cause"] and step["retries"][0]["delivery"] == 1
    assert len(api.get("/tasks?view=team", token=token).body["items"]) == 1


def _reply_through_the_triggers_queue(cloud: Any, api: Api, token: str, run_id: str, ws: str,
                                      contact_id: str) -> dict[str, Any]:
    """The contact's reply as the bus rule delivers it to the triggers queue; both consumers played until the run
    ends (15 s at most: its 30-day wait times out in 10)."""
    reply = reply_envelope(ws, contact_id, "Yes")
    reply["detail"]["occurred_at"] = now_iso()
    boto3.client("sqs").send_message(QueueUrl=cloud.resources["AutomationTriggersQueue"].url,
                                     MessageBody=json.dumps(reply))
    deadline = time.monotonic() + 15
    while api.get(f"/runs/{run_id}", token=token).body["status"] == "running" and time.monotonic() < deadline:
        drain_queue(cloud, "AutomationTriggersQueue", automations().on_trigger)
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        time.sleep(0.2)
    return dict(api.get(f"/runs/{run_id}", token=token).body)


def _dropping_once(monkeypatch: pytest.MonkeyPatch, operation: str, marker: str) -> list[float]:
    """The first AWS call `operation` whose parameters mention `marker` fails as a dropped connection; when."""
    real_call = botocore.client.BaseClient._make_api_call
    dropped: list[float] = []

    def flaky(client: Any, name: str, params: dict[str, Any]) -> Any:
        if name == operation and marker in json.dumps(params) and not dropped:
            dropped.append(time.monotonic())
            raise botocore.exceptions.ConnectionClosedError(endpoint_url="https://aws.test")
        return real_call(client, name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", flaky)
    return dropped


REPLY_OR_SILENCE = ([{"id": "await", "type": "wait_for_reply", "channel": "sms", "timeout": {"days": 30}},
                     {"id": "yes", "type": "end", "outcome": "replied"},
                     {"id": "no", "type": "end", "outcome": "silent"}],
                    [("await", "yes", "reply"), ("await", "no", "timeout")])


def _run_until_reply_or_silence(cloud: Any, api: Api, owner: dict[str, Any],
                                contact: dict[str, Any]) -> tuple[str, str, str, str]:
    """A contact's run of a flow that waits 30 days for a reply (10 s at fast_time): token, workspace, contact and
    run ids."""
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, flow_of(*REPLY_OR_SILENCE))
    contact_id = enrol(cloud, api, token, contact)
    return token, ws, contact_id, only_run(api, token, flow_id)["id"]


def test_a_fault_while_parking_a_wait_comes_back_after_the_backoff_and_a_reply_meanwhile_answers_it(
        cloud: Any, api: Api, owner: dict[str, Any], fast_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a flow that waits 30 days for a reply (10 s at this speed), and DynamoDB that drops the first write of
    # the parked wait
    token, ws, contact_id, run_id = _run_until_reply_or_silence(cloud, api, owner,
                                                                {"first_name": "Flo", "phone": "+14155550179"})
    dropped = _dropping_once(monkeypatch, "PutItem", "#WAITS#")

    # When the worker takes the wait, and the contact replies before its message comes back
    work(cloud, lambda: bool(dropped))
    reply = reply_envelope(ws, contact_id, "Yes")
    reply["detail"]["occurred_at"] = now_iso()
    deliver([reply])
    work(cloud, lambda: api.get(f"/runs/{run_id}", token=token).body["status"] != "running", limit_s=15)

    # Then the message came back after the backoff (not the queue's visibility timeout of minutes), the wait was
    # parked on that second delivery, and the reply that came meanwhile took the run down its reply path
    run = api.get(f"/runs/{run_id}", token=token).body
    assert (run["status"], run["outcome"]) == ("succeeded", "replied"), run
    assert time.monotonic() - dropped[0] >= 2
    [step] = [s for s in steps_of(api, token, run_id) if s["type"] == "action"]
    assert (step["status"], step["deliveries"]) == ("replied", 2), step


def test_a_fault_while_resuming_a_wait_comes_back_after_the_backoff_before_the_wait_times_out(
        cloud: Any, api: Api, owner: dict[str, Any], fast_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a run parked on a 30-day wait for a reply (10 s at this speed), and Step Functions that drops the first
    # SendTaskSuccess
    token, ws, contact_id, run_id = _run_until_reply_or_silence(cloud, api, owner,
                                                                {"first_name": "Gus", "phone": "+14155550180"})
    work(cloud, parked(api, token, run_id, "await"))
    dropped = _dropping_once(monkeypatch, "SendTaskSuccess", "")

    # When the contact replies
    run = _reply_through_the_triggers_queue(cloud, api, token, run_id, ws, contact_id)

    # Then the failed delivery came back after the backoff (not the queue's 6 minutes), before the wait's timeout,
    # and the run took its reply path
    assert dropped and (run["status"], run["outcome"]) == ("succeeded", "replied"), run
    assert time.monotonic() - dropped[0] >= 2


def test_a_reply_whose_remembering_fails_comes_back_and_still_takes_the_run_down_its_reply_path(
        cloud: Any, api: Api, owner: dict[str, Any], fast_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a run about to wait for a reply (its wait not yet parked), and DynamoDB that drops the first write of
    # the contact's last reply
    token, ws, contact_id, run_id = _run_until_reply_or_silence(cloud, api, owner,
                                                                {"first_name": "Hal", "phone": "+14155550181"})
    dropped = _dropping_once(monkeypatch, "PutItem", "LAST#sms")

    # When the contact replies before the wait is parked
    run = _reply_through_the_triggers_queue(cloud, api, token, run_id, ws, contact_id)

    # Then the fault brought the reply back, and it reached the wait parked meanwhile: "until they reply" holds
    # (a fault swallowed there forgets the reply, and the run times out as 'silent')
    assert dropped and (run["status"], run["outcome"]) == ("succeeded", "replied"), run


def test_a_failure_that_does_not_pass_fails_the_run_after_the_last_delivery(cloud: Any, api: Api,
                                                                            owner: dict[str, Any], fast_time: None,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a flow that creates a task, DynamoDB refusing every task write, and no delay between retries
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, flow_of([{"id": "call", "type": "create_task", "title": "Call"},
                                             {"id": "done", "type": "end"}], [("call", "done")]))
    contact_id = enrol(cloud, api, token, {"first_name": "Dee", "phone": "+14155550178"})
    run_id = only_run(api, token, flow_id)["id"]
    real_call = botocore.client.BaseClient._make_api_call

    def down(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems" and "TASK#" in json.dumps(params):
            raise botocore.exceptions.ConnectionClosedError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", down)
    monkeypatch.setattr(actions, "RETRY_BASE_S", 0)

    # When the worker runs it
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then after its last delivery the action failed for good, and the run failed saying why
    assert run["status"] == "failed", run
    assert "gave up after 4 attempts" in run["cause"] and "ConnectionClosedError" in run["cause"], run
    [step] = [s for s in steps_of(api, token, run_id) if s["type"] == "action"]
    assert (step["status"], step["deliveries"], len(step["retries"])) == ("failed", 4, 3), step


def waiting_flow() -> dict[str, Any]:
    """First text, a 3-day delay (not time-scaled here: the run stays in it), second text."""
    return flow_of([{"id": "first", "type": "send_sms", "body": "First {{vars.greeting|hello}}"},
                    {"id": "pause_here", "type": "delay", "days": 3},
                    {"id": "second", "type": "send_sms", "body": "Second"},
                    {"id": "done", "type": "end"}],
                   [("first", "pause_here"), ("pause_here", "second"), ("second", "done")])


def run_in_its_delay(cloud: Any, api: Api, token: str, contact: dict[str, Any]) -> tuple[str, str, str]:
    """A published `waiting_flow` and a run of it for a new contact, played until it sits in its 3-day delay
    (its first text sent): (flow id, contact id, run id)."""
    flow_id = published(api, token, waiting_flow())
    contact_id = enrol(cloud, api, token, contact)
    run_id = only_run(api, token, flow_id)["id"]
    work(cloud, until=in_state(api, token, [run_id], "pause_here"))
    return flow_id, contact_id, run_id


def test_pause_resume_skip_restart_and_cancel_one_run(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a run that sent its first text and waits in a 3-day delay
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id, contact_id, run_id = run_in_its_delay(cloud, api, token, {"first_name": "Di", "phone": "+14155550188"})
    first_execution = _execution_arn(api, token, flow_id, run_id)

    # When it is paused
    before = datetime.now(UTC)
    paused = api.post(f"/runs/{run_id}/pause", token=token)

    # Then it is paused at the delay, remembering when the delay ends, its execution is stopped, and resume is
    # the only way on
    assert paused.status == 200 and paused.body["status"] == "paused", paused
    assert paused.body["resume_node"] == "pause_here" and paused.body["current_node"] == "pause_here"
    ends = datetime.fromisoformat(paused.body["resume_until"].replace("Z", "+00:00"))
    assert before + timedelta(days=3) - timedelta(minutes=1) < ends <= before + timedelta(days=3), ends
    assert _status_soon(first_execution, "ABORTED") == "ABORTED"  # moto stops an execution asynchronously
    assert api.post(f"/runs/{run_id}/pause", token=token).status == 409
    assert api.get(f"/flows/{flow_id}/metrics", token=token).body["by_status"]["paused"] == 1

    # When it is resumed
    resumed = api.post(f"/runs/{run_id}/resume", token=token)
    work(cloud, until=in_state(api, token, [run_id], "pause_here"))

    # Then a second execution of the same run waits out what was left of the delay (not 3 more days), and no
    # text was sent twice; paused and resumed again there, it still ends the delay at the same time
    assert resumed.status == 200 and resumed.body["status"] == "running" and resumed.body["executions"] == 2
    # (on the version's entry machine, made on first need: new runs start on one without the dispatcher)
    second = first_execution.replace(f":{run_id}", f"-entry:{run_id}-2")
    assert boto3.client("stepfunctions").describe_execution(executionArn=second)["status"] == "RUNNING"
    native = [s for s in steps_of(api, token, run_id, history=True) if s["type"] == "native"]
    assert (native[-1]["node"], native[-1]["state"], native[-1]["status"], native[-1]["execution"]) == (
        "pause_here", "@rest", "entered", 2), native
    assert [t["body"] for t in texts(ws, contact_id)] == ["First hello"]
    again = api.post(f"/runs/{run_id}/pause", token=token).body
    assert (again["resume_node"], again["resume_until"]) == ("pause_here", paused.body["resume_until"]), again
    assert api.post(f"/runs/{run_id}/resume", token=token).body["executions"] == 3
    work(cloud, until=in_state(api, token, [run_id], "pause_here"))

    # When the current step (the delay) is skipped
    skipped = api.post(f"/runs/{run_id}/skip", token=token)
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then the run goes on with the second text and ends, through its end node "done" (no outcome label: its id)
    assert skipped.status == 200 and skipped.body["executions"] == 4, skipped
    assert (run["status"], run["outcome"]) == ("succeeded", "done"), run
    assert [t["body"] for t in texts(ws, contact_id)] == ["First hello", "Second"]
    assert api.get(f"/flows/{flow_id}/metrics", token=token).body["by_outcome"] == {"done": 1}

    # When the ended run is restarted from its first text
    restarted = api.post(f"/runs/{run_id}/restart", {"node": "first"}, token=token)
    work(cloud, until=in_state(api, token, [run_id], "pause_here"))

    # Then the text is performed again (not replayed), the run waits in the delay, and cancel ends it
    assert restarted.status == 200 and restarted.body["status"] == "running", restarted
    assert restarted.body["outcome"] is None
    assert api.get(f"/flows/{flow_id}/metrics", token=token).body["by_outcome"] == {}  # its old exit uncounted
    sent = sorted(texts(ws, contact_id), key=lambda t: t["created_at"])
    assert [t["body"] for t in sent] == ["First hello", "Second", "First hello"]
    cancelled = api.post(f"/runs/{run_id}/cancel", token=token)
    assert cancelled.status == 200 and (cancelled.body["status"], cancelled.body["outcome"]) == ("cancelled",
                                                                                                "cancelled")
    log = [(s["step"], s["node"]) for s in steps_of(api, token, run_id) if s["type"] == "control"]
    assert log == [("pause", "pause_here"), ("resume", "pause_here"), ("pause", "pause_here"),
                   ("resume", "pause_here"), ("skip", "second"), ("restart", "first"), ("cancel", "first")]
    metrics = api.get(f"/flows/{flow_id}/metrics", token=token).body
    assert (metrics["enrolled"], metrics["active"], metrics["completed"], metrics["by_status"]["cancelled"]) == (
        1, 0, 0, 1)
    assert metrics["by_outcome"] == {"cancelled": 1}


def test_an_execution_that_ends_outside_leadpilot_closes_its_run_through_its_status_event(
        cloud: Any, api: Api, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a run resumed in its delay: its second execution runs on the version's entry machine
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id, _, run_id = run_in_its_delay(cloud, api, token, {"first_name": "En", "phone": "+14155550189"})
    api.post(f"/runs/{run_id}/pause", token=token)
    api.post(f"/runs/{run_id}/resume", token=token)
    second = _execution_arn(api, token, flow_id, run_id).replace(f":{run_id}", f"-entry:{run_id}-2")

    # When that execution is stopped outside LeadPilot
    _stop_by_hand(second)
    assert _status_soon(second, "ABORTED") == "ABORTED"

    # Then listings show the record as it is, without asking Step Functions (a page of waiting runs costs no
    # call per run), so the run is still listed as running
    from leadpilot.automation.runs import machines, runs

    def no_describes(*_: Any) -> Any:
        raise AssertionError("a listing described an execution")

    with monkeypatch.context() as patched:
        patched.setattr(machines, "describe", no_describes)
        assert [r["status"] for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"]] == ["running"]

    # When Step Functions' status-change event for it, routed by the template's rule, reaches the trigger consumer
    ended = _status_events_of(cloud, second)
    assert [(e["source"], e["detail"]["status"], e["detail"]["name"]) for e in ended] == [
        ("aws.states", "ABORTED", f"{run_id}-2")]
    deliver(ended)

    # Then the event closed the run record, and listings show it ended
    item = runs.get_item(ws, run_id)
    assert item is not None and item.status == "cancelled", item and item.status
    assert [r["status"] for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"]] == ["cancelled"]


def _status_events_of(cloud: Any, execution_arn: str, limit_s: float = 15) -> list[dict[str, Any]]:
    """The status-change events of one execution on the triggers queue (others taken off it are dropped)."""
    deadline, found = time.monotonic() + limit_s, []
    while not found and time.monotonic() < deadline:
        found = [e for e in trigger_envelopes(cloud)
                 if e.get("detail-type") == STATUS_CHANGE and e["detail"]["executionArn"] == execution_arn]
        time.sleep(0.05)
    return found


def _stop_by_hand(execution_arn: str, limit_s: float = 15) -> None:
    """StopExecution as an operator would, once the execution is under way (past its first states)."""
    sfn, deadline = boto3.client("stepfunctions"), time.monotonic() + limit_s
    while len(sfn.get_execution_history(executionArn=execution_arn)["events"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    sfn.stop_execution(executionArn=execution_arn, error="Ops.Stopped", cause="by hand")


def _status_soon(execution_arn: str, expected: str, limit_s: float = 15) -> str:
    sfn, deadline = boto3.client("stepfunctions"), time.monotonic() + limit_s
    while True:
        status = str(sfn.describe_execution(executionArn=execution_arn)["status"])
        if status == expected or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def _execution_arn(api: Api, token: str, flow_id: str, run_id: str) -> str:
    machine = next(m["stateMachineArn"] for m in boto3.client("stepfunctions").list_state_machines()["stateMachines"]
                   if flow_id in m["name"])
    return str(machine.replace(":stateMachine:", ":execution:") + f":{run_id}")


def test_a_run_resumed_in_a_delay_goes_on_after_what_was_left_of_it(cloud: Any, api: Api, owner: dict[str, Any],
                                                                    fast_time: None) -> None:
    # Given a run paused in its delay (three days last a second here)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    _, contact_id, run_id = run_in_its_delay(cloud, api, token, {"first_name": "Re", "phone": "+14155550187"})
    assert api.post(f"/runs/{run_id}/pause", token=token).body["resume_until"]

    # When it is resumed
    api.post(f"/runs/{run_id}/resume", token=token)
    run = drive(cloud, api, token, run_id, ws, contact_id)

    # Then it waited out the rest of the delay and went on from the delay's edge to the end
    assert run["status"] == "succeeded", run
    assert [t["body"] for t in sorted(texts(ws, contact_id), key=lambda t: t["created_at"])] == ["First hello",
                                                                                                  "Second"]
    states = [(s["state"], s["execution"]) for s in steps_of(api, token, run_id, history=True) if s["type"] == "native"]
    assert ("@rest", 2) in states and ("pause_here", 2) not in states, states


def test_controls_refuse_what_does_not_apply_naming_the_field(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a running run waiting in its delay
    token = owner["access_token"]
    _, _, run_id = run_in_its_delay(cloud, api, token, {"first_name": "Ed", "phone": "+14155550166"})

    # When controls that do not apply are asked for
    resume = api.post(f"/runs/{run_id}/resume", token=token)
    unknown_node = api.post(f"/runs/{run_id}/restart", {"node": "nowhere"}, token=token)
    no_node = api.post(f"/runs/{run_id}/restart", {}, token=token)
    bad_label = api.post(f"/runs/{run_id}/skip", {"label": "reply"}, token=token)

    # Then each is refused with a 4xx naming the problem, and the run is untouched
    assert resume.status == 409, resume
    assert unknown_node.status == 422 and unknown_node.body["error"]["details"]["errors"][0]["field"] == "node"
    assert no_node.status == 422 and no_node.body["error"]["details"]["errors"][0]["field"] == "node"
    assert bad_label.status == 422 and bad_label.body["error"]["details"]["errors"][0]["field"] == "label"
    run = api.get(f"/runs/{run_id}", token=token).body
    assert (run["status"], run["executions"]) == ("running", 1)
