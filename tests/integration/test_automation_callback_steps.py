"""Human handoff, Wait for Event and clock delays through real compiled flows on moto."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leadpilot.automation.runs.config import runtime_config
from leadpilot.automation.runs.models import ActionMarkerItem
from leadpilot.automation.steps.waits import EventWaitItem, event_waits_pk
from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import automations, deliver, trigger_envelopes
from tests.integration.test_automation_steps_helpers import contact_tags, enroll, run_to_end, tagged_flow
from tests.support.apps import Api


@pytest.fixture
def fast_time(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEADPILOT_TIME_SCALE", "259200")  # three days last one second
    runtime_config.cache_clear()
    yield
    runtime_config.cache_clear()


def handoff_flow() -> dict[str, Any]:
    return tagged_flow("handoff", [
        {"id": "human", "type": "human_handoff", "assignee": "owner", "timeout": {"days": 1},
         "instructions": "Call {{contact.first_name}} about pricing"},
        {"id": "handled", "type": "add_tag", "tag": "handled"},
        {"id": "unhandled", "type": "add_tag", "tag": "unhandled"},
        {"id": "done", "type": "end"},
    ], [{"from": "human", "to": "handled", "label": "done"}, {"from": "human", "to": "unhandled", "label": "timeout"},
        {"from": "handled", "to": "done"}, {"from": "unhandled", "to": "done"}])


def act(cloud: Any) -> None:
    drain_queue(cloud, "AutomationActionsQueue", automations().on_action)


def act_until(cloud: Any, ready: Callable[[], bool], limit_s: float = 20) -> None:
    """Play the action worker until `ready()` (executions send their actions from threads of their own)."""
    deadline = time.monotonic() + limit_s
    while not ready():
        assert time.monotonic() < deadline, "the run never got there"
        act(cloud)
        time.sleep(0.05)


def waiting_for_paid(cloud: Any, api: Api, token: str, ws: str) -> tuple[str, str]:
    """A run waiting (3 days) for the tag "paid" on its contact: "confirmed" on the event, "expired" on timeout.
    Returns (contact id, run id) once the wait is registered."""
    flow = tagged_flow("await", [
        {"id": "paid", "type": "wait_for_event", "event": "contact.tag_added", "match": {"data.tag": "paid"},
         "timeout": {"days": 3}},
        {"id": "confirm", "type": "add_tag", "tag": "confirmed"},
        {"id": "expired", "type": "add_tag", "tag": "expired"},
        {"id": "done", "type": "end"},
    ], [{"from": "paid", "to": "confirm", "label": "event"}, {"from": "paid", "to": "expired", "label": "timeout"},
        {"from": "confirm", "to": "done"}, {"from": "expired", "to": "done"}])
    _, contact_id, run_id = enroll(cloud, api, token, flow)
    act_until(cloud, lambda: any(True for _ in EventWaitItem.query(event_waits_pk(ws, contact_id))))
    return contact_id, run_id


def status(api: Api, token: str, run_id: str) -> str:
    return str(api.get(f"/runs/{run_id}", token=token).body["status"])


def test_a_handoff_creates_a_task_and_the_run_waits_until_it_is_completed(cloud: Any, api: Api,
                                                                         owner: dict[str, Any]) -> None:
    # Given a run that reached a human handoff (real time: the 1-day timeout does not fire)
    token = owner["access_token"]
    _, contact_id, run_id = enroll(cloud, api, token, handoff_flow())
    act_until(cloud, lambda: bool(api.get("/tasks?view=team", token=token).body["items"]))

    # Then a task for the owner about the contact exists and the run is waiting
    tasks = api.get("/tasks?view=team", token=token).body["items"]
    assert len(tasks) == 1, tasks
    task = tasks[0]
    assert task["assignee_id"] == owner["user"]["id"] and task["related_to"] == {"type": "contact", "id": contact_id}
    assert task["title"] == "Take over Ada" and task["description"].startswith("Call Ada about pricing")
    act(cloud)  # a redelivery or a second drain creates no second task
    assert len(api.get("/tasks?view=team", token=token).body["items"]) == 1
    assert status(api, token, run_id) == "running"

    # When the owner completes the task and its event reaches the triggers queue
    assert api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token).status == 200
    envelopes = trigger_envelopes(cloud)
    assert "task.completed" in [e["detail-type"] for e in envelopes]
    deliver(envelopes)

    # Then the run continues on its "done" edge
    run = run_to_end(cloud, api, token, run_id)
    assert run["status"] == "succeeded", run
    tags = contact_tags(api, token, contact_id)
    assert "handled" in tags and "unhandled" not in tags


def test_a_handoff_nobody_completes_times_out(cloud: Any, api: Api, owner: dict[str, Any], fast_time: None) -> None:
    # Given a handoff whose day-long timeout lasts a fraction of a second here
    token = owner["access_token"]
    _, contact_id, run_id = enroll(cloud, api, token, handoff_flow())

    # When nobody completes the task
    run = run_to_end(cloud, api, token, run_id)

    # Then the run took the timeout edge; completing the task later resumes nothing and breaks nothing
    assert run["status"] == "succeeded", run
    assert "unhandled" in contact_tags(api, token, contact_id)
    task = api.get("/tasks?view=team", token=token).body["items"][0]
    assert api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token).status == 200
    deliver(trigger_envelopes(cloud))
    assert "handled" not in contact_tags(api, token, contact_id)


def test_wait_for_event_resumes_only_on_the_matching_event(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a run waiting for the tag "paid" to be added to its contact
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id, run_id = waiting_for_paid(cloud, api, token, ws)

    # When another tag is added, the run keeps waiting
    api.post(f"/contacts/{contact_id}/tags", {"add": ["other"]}, token=token)
    deliver(trigger_envelopes(cloud))
    act(cloud)
    assert status(api, token, run_id) == "running"

    # When the awaited tag is added
    api.post(f"/contacts/{contact_id}/tags", {"add": ["paid"]}, token=token)
    deliver(trigger_envelopes(cloud))

    # Then the run continues on its "event" edge
    run = run_to_end(cloud, api, token, run_id)
    assert run["status"] == "succeeded", run
    assert "confirmed" in contact_tags(api, token, contact_id)


def test_a_handoff_completed_while_the_run_is_paused_lets_it_go_on_when_resumed(cloud: Any, api: Api,
                                                                               owner: dict[str, Any]) -> None:
    # Given a run waiting on its handoff task, paused there
    token = owner["access_token"]
    _, contact_id, run_id = enroll(cloud, api, token, handoff_flow())
    act_until(cloud, lambda: bool(api.get("/tasks?view=team", token=token).body["items"]))
    task = api.get("/tasks?view=team", token=token).body["items"][0]
    assert api.post(f"/runs/{run_id}/pause", token=token).body["status"] == "paused"

    # When the owner completes the task meanwhile, and the run is resumed
    assert api.patch(f"/tasks/{task['id']}", {"status": "done"}, token=token).status == 200
    deliver(trigger_envelopes(cloud))
    assert status(api, token, run_id) == "paused"
    api.post(f"/runs/{run_id}/resume", token=token)

    # Then it goes on along "done" at once (no second task, no waiting out the day)
    run = run_to_end(cloud, api, token, run_id)
    assert run["status"] == "succeeded", run
    tags = contact_tags(api, token, contact_id)
    assert "handled" in tags and "unhandled" not in tags
    assert api.get("/tasks?view=team", token=token).body["items"] == []  # no second (open) task was created


def test_an_event_while_the_run_is_paused_answers_its_wait_when_resumed(cloud: Any, api: Api,
                                                                        owner: dict[str, Any]) -> None:
    # Given a run waiting for the tag "paid", paused there
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact_id, run_id = waiting_for_paid(cloud, api, token, ws)
    assert api.post(f"/runs/{run_id}/pause", token=token).body["status"] == "paused"

    # When the awaited tag is added while it is paused, and it is resumed
    api.post(f"/contacts/{contact_id}/tags", {"add": ["paid"]}, token=token)
    deliver(trigger_envelopes(cloud))
    assert status(api, token, run_id) == "paused"
    api.post(f"/runs/{run_id}/resume", token=token)

    # Then the resumed wait takes the event it missed: the "event" edge
    run = run_to_end(cloud, api, token, run_id)
    assert run["status"] == "succeeded", run
    tags = contact_tags(api, token, contact_id)
    assert "confirmed" in tags and "expired" not in tags
    assert list(EventWaitItem.query(event_waits_pk(ws, contact_id))) == []


def test_clock_delays_wait_until_a_date_field_and_the_next_allowed_time(cloud: Any, api: Api,
                                                                       owner: dict[str, Any], fast_time: None) -> None:
    # Given a flow waiting until a past date held in a variable, then until Monday 09:00 in New York
    token = owner["access_token"]
    flow = tagged_flow("clock", [
        {"id": "due", "type": "set_variable", "variable": "due", "value": "2001-01-01T00:00:00Z"},
        {"id": "until_due", "type": "delay", "until": {"field": "vars.due", "offset": {"hours": 1}}},
        {"id": "monday", "type": "delay", "time_of_day": "09:00", "weekdays": ["mon"],
         "timezone": "America/New_York"},
        {"id": "woke", "type": "add_tag", "tag": "woke"},
        {"id": "done", "type": "end"},
    ], [{"from": "due", "to": "until_due"}, {"from": "until_due", "to": "monday"}, {"from": "monday", "to": "woke"},
        {"from": "woke", "to": "done"}])
    _, contact_id, run_id = enroll(cloud, api, token, flow)

    # When the run is played (at most a week of real waiting: under 3 s here)
    run = run_to_end(cloud, api, token, run_id)

    # Then it went through both waits, and the second one aimed at a Monday 09:00 New York time
    assert run["status"] == "succeeded", run
    assert "woke" in contact_tags(api, token, contact_id)
    pk = f"WS#{owner['workspace']['id']}#RUN#{run_id}"
    outputs = {m.node: json.loads(m.output or "{}") for m in ActionMarkerItem.query(pk) if m.action == "compute_wait"}
    assert outputs["until_due"]["target"] <= outputs["until_due"]["until"]  # a past date: no wait at all
    target = datetime.fromisoformat(outputs["monday"]["target"].replace("Z", "+00:00")).astimezone(
        ZoneInfo("America/New_York"))
    assert (target.weekday(), target.hour, target.minute) == (0, 9, 0)
    assert outputs["monday"]["timezone"] == "America/New_York" and outputs["monday"]["wait_s"] <= 3
