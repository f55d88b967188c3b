"""The issue's follow-up scenario on the real local cloud, with flow time sped up 43,200 times (3 days = 6 s:
the reply, a signed webhook through the bus to the waiting run, must land within one follow-up period even on a
loaded 2-core machine):
when tag `new-lead` is added, text the contact, then every 3 days until they reply (at most 4 follow-ups),
then create a task for the owner. Also: a waiting run survives a restart of the cloud."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import LocalCloudProcess, _free_port, until
from tests.integration.test_automation_runtime_helpers import follow_up_flow

# Its own xdist group: its time-scaled cloud is its own, so on another worker of a parallel run it goes beside
# the e2e modules that share the real-time cloud instead of after them (most of its time is flow time waited out).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("follow-up")]
DEMO = {"email": "owner@demo.leadpilot.test", "password": "demo-password-2026"}

# A day of flow time in two seconds: a 3-day follow-up wait lasts 6 s, time enough for a reply to land in it on a
# loaded 2-core machine (at 3 s it sometimes arrived after the wait had timed out).
ONE_DAY_IN_TWO_SECONDS = "43200"


@pytest.fixture(scope="module")
def fast_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    """A running local cloud whose flow time (delays, waits, schedules) passes a day in two seconds, also after a
    restart; this module's tests share it, and it stops with the module (its time-scaled schedules would
    otherwise keep a core busy for the rest of the run)."""
    base = tmp_path_factory.mktemp("fast-cloud")
    cloud = LocalCloudProcess(base / "data", _free_port(), base, env={"LEADPILOT_TIME_SCALE": ONE_DAY_IN_TWO_SECONDS})
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


class Scenario:
    """The demo owner with the follow-up flow published, talking to one local cloud."""

    def __init__(self, cloud: LocalCloudProcess) -> None:
        self.cloud = cloud
        status, login = cloud.call("POST", "/auth/login", DEMO)
        assert status == 200, login
        self.token = login["access_token"]
        me = self.call("GET", "/me")
        self.workspace_id = me["workspace"]["id"]
        self.owner_id = me["principal"]["id"]
        aws = {"endpoint_url": cloud.aws_endpoint, "region_name": "us-east-1",
               "aws_access_key_id": "local", "aws_secret_access_key": "local"}
        self.events = boto3.client("events", **aws)
        numbers = self.call("GET", "/phone-numbers")["items"]
        if not numbers:  # replies are routed by the number they are sent to
            self.call("POST", "/phone-numbers", {"number": "+14155550100"})
        self.bus = next(b["Name"] for b in self.events.list_event_buses()["EventBuses"] if b["Name"] != "default")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        status, reply = self.cloud.call(method, path, body, self.token)
        assert status < 300, (method, path, status, reply)
        return reply

    def publish(self, tag: str) -> str:
        flow = self.call("POST", "/flows", {**follow_up_flow(tag), "name": f"Follow up {tag}"})
        self.call("POST", f"/flows/{flow['id']}/publish")
        return str(flow["id"])

    def lead(self, phone: str, tag: str) -> str:
        contact = self.call("POST", "/contacts", {"first_name": "Ada", "phone": phone})
        self.call("POST", f"/contacts/{contact['id']}/tags", {"add": [tag]})
        return str(contact["id"])

    def runs(self, flow_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/flows/{flow_id}/runs")["items"])

    def texts(self, contact_id: str) -> list[dict[str, Any]]:
        """What the flow texted the contact (its conversation, through the messaging send path)."""
        items = self.call("GET", f"/conversations/{contact_id}/messages?limit=50")["items"]
        return [m for m in items if m["direction"] == "outbound"]

    def tasks_for(self, contact_id: str) -> list[dict[str, Any]]:
        items = self.call("GET", "/tasks?view=team")["items"]
        return [t for t in items if (t.get("related_to") or {}).get("id") == contact_id]

    def reply(self, phone: str) -> None:
        """The contact texts back, through the SMS simulator (a signed Twilio webhook)."""
        self.call("POST", "/dev/sms/inbound", {"from": phone, "body": "Yes, call me"})

    def waituntil(self, check: Any, limit_s: float = 120) -> Any:
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            value = check()
            if value:
                return value
            time.sleep(0.5)
        raise AssertionError(f"timed out; the cloud log is {self.cloud.log_path}")


def test_without_a_reply_one_plus_four_texts_then_one_task(fast_cloud: LocalCloudProcess) -> None:
    # Given the follow-up flow published on the local cloud, flow time 43,200 times faster
    s = Scenario(fast_cloud)
    flow_id = s.publish("new-lead")

    # When a contact is tagged new-lead and never replies
    contact_id = s.lead("+14155550188", "new-lead")

    # Then the run ends after exactly 1 + 4 texts and one task for the owner (12 simulated days in about 15 s)
    run = s.waituntil(lambda: next((r for r in s.runs(flow_id) if r["status"] != "running"), None))
    assert run["status"] == "succeeded" and run["contact_id"] == contact_id, run
    sent = s.texts(contact_id)
    assert len(sent) == 5, sent
    assert sorted(m["body"] for m in sent) == ["Hi Ada, any questions?"] + ["Hi Ada, still interested?"] * 4
    assert {m["to"] for m in sent} == {"+14155550188"}
    tasks = s.tasks_for(contact_id)
    assert [(t["title"], t["assignee_id"]) for t in tasks] == [("Call Ada", s.owner_id)]
    assert len(s.runs(flow_id)) == 1


def test_a_reply_after_the_second_text_stops_everything(fast_cloud: LocalCloudProcess) -> None:
    # Given the follow-up flow for another tag, and a tagged contact
    s = Scenario(fast_cloud)
    flow_id = s.publish("hot-lead")
    contact_id = s.lead("+14155550189", "hot-lead")

    # When the contact replies once the second text has gone out
    s.waituntil(lambda: len(s.texts(contact_id)) >= 2 and s.runs(flow_id)[0]["current_node"] == "await")
    s.reply("+14155550189")

    # Then the run ends on its reply path: no third text, no task
    run = s.waituntil(lambda: next((r for r in s.runs(flow_id) if r["status"] != "running"), None))
    assert run["status"] == "succeeded" and run["current_node"] == "await", run
    time.sleep(12)  # two more simulated follow-up periods: nothing else may happen
    assert len(s.texts(contact_id)) == 2
    assert s.tasks_for(contact_id) == []


def test_the_same_tag_event_twice_enrols_once(fast_cloud: LocalCloudProcess) -> None:
    # Given the follow-up flow and a contact tagged once
    s = Scenario(fast_cloud)
    flow_id = s.publish("twice-lead")
    contact_id = s.lead("+14155550190", "twice-lead")
    run = s.waituntil(lambda: s.runs(flow_id))[0]

    # When the tag_added event is delivered again (EventBridge's at-least-once delivery)
    event_id = s.call("GET", f"/runs/{run['id']}")["trigger_event_id"]
    detail = {"id": event_id, "type": "contact.tag_added", "version": 1, "workspace_id": s.workspace_id,
              "occurred_at": "2026-11-22T00:22:33.038Z", "actor": {"type": "user", "id": s.owner_id},
              "data": {"contact_id": contact_id, "tag": "twice-lead"}, "changes": {}}
    s.events.put_events(Entries=[{"EventBusName": s.bus, "Source": "leadpilot.contacts",
                                  "DetailType": "contact.tag_added", "Detail": json.dumps(detail)}])
    time.sleep(3)

    # Then there is still one run for the contact
    assert [r["contact_id"] for r in s.runs(flow_id)] == [contact_id]


# -- a run survives a restart of the cloud: the scheduled reconciler restarts it at its node ------------------

RESTART_FLOW = {"name": "Ask and wait", "trigger": {"event": "contact.tag_added",
                                            "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "e2e-ask"}]},
        "nodes": [{"id": "start", "type": "trigger"}, {"id": "ask", "type": "send_sms", "body": "Any questions?"},
                  {"id": "await", "type": "wait_for_reply", "timeout": {"days": 365}},
                  {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
        "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "await"},
                  {"from": "await", "to": "yes", "label": "reply"}, {"from": "await", "to": "no", "label": "timeout"}]}



def test_a_waiting_run_continues_after_the_local_cloud_restarts(fast_cloud: LocalCloudProcess) -> None:
    # Given a run that texted its contact and waits for a reply
    cloud = fast_cloud
    token = cloud.call("POST", "/auth/login", DEMO)[1]["access_token"]
    status, flow = cloud.call("POST", "/flows", RESTART_FLOW, token)
    assert status == 201, flow
    assert cloud.call("POST", f"/flows/{flow['id']}/publish", token=token)[0] == 201
    status, contact = cloud.call("POST", "/contacts", {"first_name": "Restart", "phone": "+14155550999"}, token)
    assert cloud.call("POST", f"/contacts/{contact['id']}/tags", {"add": ["e2e-ask"]}, token)[0] == 200

    def waiting() -> dict[str, Any] | None:
        runs = cloud.call("GET", f"/flows/{flow['id']}/runs", token=token)[1]["items"]
        return runs[0] if runs and runs[0]["current_node"] == "await" else None

    run = until(waiting, 60, "the run reaches its wait")

    # When the local cloud restarts (every execution and state machine is gone; the data is restored)
    cloud.restart()

    # Then the reconciler re-creates the machine and starts the same run again at its wait, without a second text
    def recovered() -> dict[str, Any] | None:
        """The run's second execution started and its recovery is in the step log (written just after)."""
        again = cloud.call("GET", f"/runs/{run['id']}", token=token)[1]
        steps = cloud.call("GET", f"/runs/{run['id']}/steps", token=token)[1]["items"]
        logged = any(s["type"] == "control" and s["step"] == "recover" for s in steps)
        return again if again["executions"] >= 2 and logged else None

    again = until(recovered, 90, "the run is recovered")
    assert (again["status"], again["current_node"]) == ("running", "await"), again
    steps = cloud.call("GET", f"/runs/{run['id']}/steps", token=token)[1]["items"]
    texts = [s for s in steps if s["type"] == "action" and s["node"] == "ask"]
    assert len(texts) == 1 and texts[0]["status"] == "done" and texts[0]["deliveries"] == 1, texts
    assert ("recover", "await") in [(s["step"], s["node"]) for s in steps if s["type"] == "control"], steps
