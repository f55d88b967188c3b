"""Opt-outs end runs (SMS keyword, email unsubscribe) unless the flow continues; runs say which exit they took."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from leadpilot.automation.runs.config import runtime_config
from tests.integration.conftest import drain_queue
from tests.integration.messaging_helpers import configure_sandbox, inbound, webhook
from tests.integration.test_automation_runtime_helpers import (
    THREE_DAYS_IN_ONE_SECOND,
    automations,
    deliver,
    drive,
    follow_up_flow,
    texts,
    trigger_envelopes,
)
from tests.integration.test_email_helpers import captured, email_app, path_of, send, verified_sender
from tests.integration.test_email_helpers import deliver as deliver_emails
from tests.support.apps import Api

NUMBER = "+14155550100"


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The cloud with SMS in the sandbox and flows time-scaled: every 3-day wait takes 3 s, so a reply or an opt-out
    sent while a run waits lands inside its wait even on a loaded machine (at 1 s the wait had timed out first)."""
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", str(round(1 / THREE_DAYS_IN_ONE_SECOND / 3)))
    runtime_config.cache_clear()
    yield from configure_sandbox(cloud, monkeypatch)
    runtime_config.cache_clear()


def published(api: Api, token: str, flow: dict[str, Any]) -> str:
    created = api.post("/flows", flow, token=token)
    assert created.status == 201, created
    assert api.post(f"/flows/{created.body['id']}/publish", token=token).status == 201
    return str(created.body["id"])


def enrolled(cloud: Any, api: Api, token: str, flow_id: str, contact: dict[str, Any]) -> tuple[str, str]:
    """Create the contact, tag it new-lead, deliver the trigger: (contact id, its run of the flow)."""
    made = api.post("/contacts", contact, token=token)
    assert made.status == 201, made
    assert api.post(f"/contacts/{made.body['id']}/tags", {"add": ["new-lead"]}, token=token).status == 200
    deliver(trigger_envelopes(cloud))
    runs = api.get(f"/runs?contact_id={made.body['id']}", token=token).body["items"]
    assert [r["flow_id"] for r in runs] == [flow_id], runs
    return str(made.body["id"]), str(runs[0]["id"])


def waiting_for_reply(cloud: Any, api: Api, token: str, run_id: str, limit_s: float = 20) -> None:
    """Play the action worker until the run's first wait for a reply holds its token (its first text sent)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        steps = api.get(f"/runs/{run_id}/steps", token=token).body["items"]
        if any(s["type"] == "action" and s["node"] == "await" and s["status"] == "waiting" for s in steps):
            return
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} did not park at its wait in {limit_s}s")


def played_out(cloud: Any, flow_id: str, run_id: str, limit_s: float = 30) -> str:
    """Keep playing the action worker until the run's first execution has ended; returns its final status.

    AWS aborts a stopped execution at once; moto lets one stopped inside a callback task run on until the task
    times out, so the worker must still see (and refuse) whatever it sends next.
    """
    sfn = boto3.client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if flow_id in m["name"])
    arn, deadline = machine.replace(":stateMachine:", ":execution:") + f":{run_id}", time.monotonic() + limit_s
    while time.monotonic() < deadline:
        drain_queue(cloud, "AutomationActionsQueue", automations().on_action)
        status = str(sfn.describe_execution(executionArn=arn)["status"])
        if status != "RUNNING":
            return status
        time.sleep(0.1)
    raise TimeoutError(f"the execution of run {run_id} still runs after {limit_s}s")


def flow_texts(workspace_id: str, contact_id: str) -> list[str]:
    """The texts the flow sent the contact (not the opt-out confirmation)."""
    return [t["body"] for t in texts(workspace_id, contact_id) if t.get("source") != "compliance"]


def test_a_stop_class_keyword_ends_the_running_run_as_opted_out(sms_cloud: Any, api: Api,
                                                                  owner: dict[str, Any]) -> None:
    # Given a follow-up run waiting for a reply after its first text
    token, ws = owner["access_token"], owner["workspace"]["id"]
    assert api.post("/phone-numbers", {"number": NUMBER}, token=token).status == 201
    flow_id = published(api, token, follow_up_flow())
    contact_id, run_id = enrolled(sms_cloud, api, token, flow_id, {"first_name": "Ada", "phone": "+14155550123"})
    waiting_for_reply(sms_cloud, api, token, run_id)

    # When the contact texts REVOKE (one of Twilio's default opt-out words) and its events reach the consumer
    revoke = inbound("+14155550123", NUMBER, "Revoke", "SM" + "c" * 32)
    assert webhook(api, "/webhooks/twilio/sms", revoke).status == 200
    envelopes = trigger_envelopes(sms_cloud)
    deliver(envelopes)

    # Then the run ended with outcome opted_out, saying why, its execution is stopped, and its wait closed
    run = api.get(f"/runs/{run_id}", token=token).body
    assert (run["status"], run["outcome"], run["error"]) == ("cancelled", "opted_out", "LeadPilot.OptedOut"), run
    assert "opted out (sms)" in run["cause"]
    steps = api.get(f"/runs/{run_id}/steps", token=token).body["items"]
    assert [(s["step"], s["node"]) for s in steps if s["type"] == "control"] == [("opt_out", "await")]
    assert [s["status"] for s in steps if s["type"] == "action" and s["node"] == "await"] == ["opted_out"]
    # and nothing follows: whatever its stopped execution still sends, no later text and no "call them" task
    assert played_out(sms_cloud, flow_id, run_id) in ("ABORTED", "FAILED")
    assert flow_texts(ws, contact_id) == ["Hi Ada, any questions?"]
    assert api.get(f"/runs/{run_id}", token=token).body["outcome"] == "opted_out"
    assert api.get("/tasks?view=team", token=token).body["items"] == []
    metrics = api.get(f"/flows/{flow_id}/metrics", token=token).body
    assert (metrics["active"], metrics["by_status"]["cancelled"], metrics["by_outcome"]) == (0, 1, {"opted_out": 1})
    ended = api.get(f"/contacts/{contact_id}/timeline?types=automation.run_ended", token=token).body["items"]
    assert [e["data"]["outcome"] for e in ended] == ["opted_out"]

    # When the same events are delivered again (at-least-once)
    deliver(envelopes)

    # Then nothing changes: one end, counted once
    assert api.get(f"/runs/{run_id}", token=token).body["ended_at"] == run["ended_at"]
    assert api.get(f"/flows/{flow_id}/metrics", token=token).body["by_outcome"] == {"opted_out": 1}
    assert len(api.get(f"/contacts/{contact_id}/timeline?types=automation.run_ended",
                       token=token).body["items"]) == 1


def test_a_flow_set_to_continue_keeps_its_run_going_after_an_opt_out(sms_cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    # Given a follow-up flow that continues when its contact opts out (and a value it does not know is refused)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    assert api.post("/phone-numbers", {"number": NUMBER}, token=token).status == 201
    bad = api.post("/flows", {**follow_up_flow(), "on_opt_out": "pause"}, token=token)
    assert bad.status == 422 and "on_opt_out" in str(bad.body["error"]["details"]), bad
    flow_id = published(api, token, {**follow_up_flow(), "on_opt_out": "continue"})
    assert api.get(f"/flows/{flow_id}", token=token).body["document"]["on_opt_out"] == "continue"
    contact_id, run_id = enrolled(sms_cloud, api, token, flow_id, {"first_name": "Bo", "phone": "+14155550124"})
    waiting_for_reply(sms_cloud, api, token, run_id)

    # When the contact texts STOP
    assert webhook(api, "/webhooks/twilio/sms", inbound("+14155550124", NUMBER, "STOP", "SM" + "d" * 32)).status == 200
    deliver(trigger_envelopes(sms_cloud))

    # Then the run is still running, and goes on to its end as the flow says: no more texts (the contact is
    # do-not-contact), but the owner's task is created
    assert api.get(f"/runs/{run_id}", token=token).body["status"] == "running"
    run = drive(sms_cloud, api, token, run_id, ws, contact_id)
    assert (run["status"], run["outcome"]) == ("succeeded", "no_reply"), run
    assert flow_texts(ws, contact_id) == ["Hi Bo, any questions?"]
    assert [t["title"] for t in api.get("/tasks?view=team", token=token).body["items"]] == ["Call Bo"]


def test_an_email_unsubscribe_ends_the_contact_s_runs_as_opted_out(sms_cloud: Any, api: Api,
                                                                     owner: dict[str, Any]) -> None:
    # Given a contact who got an email and is in a follow-up run waiting for a reply
    token = owner["access_token"]
    verified_sender(api, token)
    flow_id = published(api, token, follow_up_flow())
    contact_id, run_id = enrolled(sms_cloud, api, token, flow_id,
                                  {"first_name": "Cy", "phone": "+14155550125", "email": "cy@example.com"})
    assert send(api, token, contact_id).status == 202
    deliver_emails(sms_cloud)
    waiting_for_reply(sms_cloud, api, token, run_id)

    # When they unsubscribe with the email's one-click link and the sequence-exit consumer gets the event
    url = path_of(captured(api, token)[0]["list_unsubscribe"].strip("<>"))
    assert api.call("POST", url, raw="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"}).status == 200
    drain_queue(sms_cloud, "SequenceEventsQueue", email_app().on_sequence_event)

    # Then the run ended as opted out (by email), and nothing more happens
    run = api.get(f"/runs/{run_id}", token=token).body
    assert (run["status"], run["outcome"]) == ("cancelled", "opted_out"), run
    assert "opted out (email)" in run["cause"]
    assert played_out(sms_cloud, flow_id, run_id) in ("ABORTED", "FAILED")
    assert api.get("/tasks?view=team", token=token).body["items"] == []
    assert len(texts(owner["workspace"]["id"], contact_id)) == 1
    assert api.get(f"/flows/{flow_id}/metrics", token=token).body["by_outcome"] == {"opted_out": 1}


def test_each_run_says_which_exit_it_took_and_metrics_count_per_exit(sms_cloud: Any, api: Api,
                                                                       owner: dict[str, Any]) -> None:
    # Given the follow-up flow the offline builder makes, published, and two contacts in it
    token, ws = owner["access_token"], owner["workspace"]["id"]
    generated = api.post("/flows/generate", {"prompt": "Text leads tagged new-lead every 3 days until they reply, "
                                                       "at most 2 times"}, token=token)
    assert generated.status == 201, generated
    flow_id = generated.body["flow"]["id"]
    assert api.post(f"/flows/{flow_id}/publish", token=token).status == 201
    replier, replier_run = enrolled(sms_cloud, api, token, flow_id, {"first_name": "Di", "phone": "+14155550126"})
    silent, silent_run = enrolled(sms_cloud, api, token, flow_id, {"first_name": "Ed", "phone": "+14155550127"})

    # When one replies after the second text and the other never replies
    replied = drive(sms_cloud, api, token, replier_run, ws, replier, reply_after_texts=2)
    quiet = drive(sms_cloud, api, token, silent_run, ws, silent)

    # Then both succeeded, but each run says which exit it took, in the run, the lists and the metrics
    assert (replied["status"], replied["outcome"]) == ("succeeded", "replied"), replied
    assert (quiet["status"], quiet["outcome"]) == ("succeeded", "max_follow_ups"), quiet
    assert len(texts(ws, replier)) == 2 and len(texts(ws, silent)) == 3
    listed = {r["id"]: r["outcome"] for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"]}
    assert listed == {replier_run: "replied", silent_run: "max_follow_ups"}
    assert api.get(f"/runs?contact_id={replier}", token=token).body["items"][0]["outcome"] == "replied"
    metrics = api.get(f"/flows/{flow_id}/metrics", token=token).body
    assert metrics["completed"] == 2 and metrics["by_outcome"] == {"replied": 1, "max_follow_ups": 1}
    ended = api.get(f"/contacts/{silent}/timeline?types=automation.run_ended", token=token).body["items"]
    assert [(e["data"]["status"], e["data"]["outcome"]) for e in ended] == [("succeeded", "max_follow_ups")]
