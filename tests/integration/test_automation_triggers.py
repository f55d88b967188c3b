"""Triggers beyond a contact's own events: enrolment by hand/API, bulk jobs, field changes and schedules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from leadpilot.automation.runs import batched, enrollment
from leadpilot.automation.runs.config import runtime_config
from leadpilot.automation.triggers import schedules
from leadpilot.settings import get_settings
from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import automations, deliver, trigger_envelopes
from tests.support.apps import Api, load_module

TAG_FLOW_NODES = {
    "nodes": [{"id": "start", "type": "trigger"}, {"id": "mark", "type": "add_tag", "tag": "touched"},
              {"id": "done", "type": "end"}],
    "edges": [{"from": "start", "to": "mark"}, {"from": "mark", "to": "done"}],
}


def published(api: Api, token: str, trigger: dict[str, Any], name: str = "Flow") -> str:
    flow = api.post("/flows", {"name": name, "trigger": trigger, **TAG_FLOW_NODES}, token=token)
    assert flow.status == 201, flow
    reply = api.post(f"/flows/{flow.body['id']}/publish", token=token)
    assert reply.status == 201, reply
    return str(flow.body["id"])


def contact(api: Api, token: str, name: str, **extra: Any) -> str:
    reply = api.post("/contacts", {"first_name": name, **extra}, token=token)
    assert reply.status == 201, reply
    return str(reply.body["id"])


def runs_of(api: Api, token: str, flow_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/flows/{flow_id}/runs", token=token).body["items"])


def test_enrol_by_hand_is_idempotent_per_key_and_reports_each_contact(cloud: Any, api: Api,
                                                                      owner: dict[str, Any]) -> None:
    # Given a published manual flow and two contacts
    token = owner["access_token"]
    flow_id = published(api, token, {"event": "manual"})
    ada, bob = contact(api, token, "Ada"), contact(api, token, "Bob")
    missing = "01J0000000000000000000000Z"

    # When both (and an unknown id) are enrolled, twice with the same idempotency key
    body = {"contact_ids": [ada, bob, missing], "idempotency_key": "import-2026-11-22"}
    first = api.post(f"/flows/{flow_id}/enrollments", body, token=token)
    again = api.post(f"/flows/{flow_id}/enrollments", body, token=token)

    # Then the first call enrols both, says the unknown id was not found, and the repeat starts nothing
    assert first.status == 200, first
    assert [(r["contact_id"], r["status"]) for r in first.body["results"]] == [
        (ada, "enrolled"), (bob, "enrolled"), (missing, "not_found")]
    assert [r["status"] for r in again.body["results"]] == ["not_enrolled", "not_enrolled", "not_found"]
    assert sorted(r["contact_id"] for r in runs_of(api, token, flow_id)) == sorted([ada, bob])


def test_enrol_by_hand_rejects_drafts_and_bad_input(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a flow that is only a draft
    token = owner["access_token"]
    draft = api.post("/flows", {"name": "Draft", "trigger": {"event": "manual"}, **TAG_FLOW_NODES}, token=token)
    ada = contact(api, token, "Ada")

    # When contacts are enrolled in it, or the body is wrong
    not_published = api.post(f"/flows/{draft.body['id']}/enrollments", {"contact_ids": [ada]}, token=token)
    empty = api.post(f"/flows/{draft.body['id']}/enrollments", {"contact_ids": []}, token=token)

    # Then a 409 says to publish first, and a 422 names the field; no run exists
    assert not_published.status == 409 and not_published.body["error"]["details"]["field"] == "flow_id"
    assert empty.status == 422 and empty.body["error"]["details"]["errors"][0]["field"] == "contact_ids"
    assert runs_of(api, token, draft.body["id"]) == []


def test_a_bulk_job_enrols_each_contact_once(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a published flow and three contacts
    token = owner["access_token"]
    flow_id = published(api, token, {"event": "manual"})
    ids = [contact(api, token, f"Bulk{i}") for i in range(3)]
    trigger_envelopes(cloud)

    # When a bulk enrol job runs and its events reach the trigger consumer (twice: at-least-once delivery)
    job = api.post("/bulk-actions", {"action": "enroll", "contact_ids": ids, "flow_id": flow_id}, token=token)
    assert job.status == 201, job
    drain_queue(cloud, "JobsQueue", load_module("functions/jobs").run_job_chunk)
    envelopes = [e for e in trigger_envelopes(cloud) if e["detail-type"] == "contact.enrollment_requested"]
    deliver(envelopes)
    deliver(envelopes)

    # Then every contact has exactly one run
    assert len(envelopes) == 3
    assert sorted(r["contact_id"] for r in runs_of(api, token, flow_id)) == sorted(ids)


def test_a_field_changed_trigger_fires_only_for_its_fields(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a flow triggered when a contact's company changes
    token = owner["access_token"]
    flow_id = published(api, token, {"event": "contact.updated", "changed_fields": ["company"], "reentry": True})
    ada = contact(api, token, "Ada")
    trigger_envelopes(cloud)

    # When another field changes, then the company
    api.patch(f"/contacts/{ada}", {"last_name": "Lovelace"}, token=token)
    deliver(trigger_envelopes(cloud))
    assert runs_of(api, token, flow_id) == []
    api.patch(f"/contacts/{ada}", {"company": "Analytical Engines"}, token=token)
    deliver(trigger_envelopes(cloud))

    # Then only the company change started a run
    assert [r["contact_id"] for r in runs_of(api, token, flow_id)] == [ada]


def test_a_trigger_is_checked_when_the_flow_is_saved(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    cases = [({"event": "contact.teleported"}, "trigger/event"),
             ({"event": "schedule"}, "trigger/schedule"),
             ({"event": "schedule", "schedule": "every day"}, "trigger/schedule"),
             ({"event": "schedule", "schedule": "0 9 * * *", "timezone": "Mars/Olympus"}, "trigger/timezone"),
             ({"event": "contact.created", "changed_fields": ["company"]}, "trigger/changed_fields")]
    for trigger, field in cases:
        reply = api.post("/flows", {"name": "Bad", "trigger": trigger, **TAG_FLOW_NODES}, token=token)
        assert reply.status == 422, (trigger, reply)
        assert field in [e["field"] for e in reply.body["error"]["details"]["errors"]], (trigger, reply)


def test_a_schedule_enrols_the_matching_audience_once_per_firing(cloud: Any, api: Api,
                                                                 owner: dict[str, Any]) -> None:
    # Given a flow scheduled every day at 09:00 New York time for contacts tagged vip, and three contacts
    token = owner["access_token"]
    vips = [contact(api, token, f"Vip{i}", tags=["vip"]) for i in range(2)]
    contact(api, token, "Regular")
    flow_id = published(api, token, {"event": "schedule", "schedule": "0 9 * * *",
                                     "filters": [{"var": "contact.tags", "op": "has_tag", "value": "vip"}]})
    armed = next(iter(schedules.ScheduleItem.query(f"WS#{owner['workspace']['id']}#FLOW#{flow_id}")))
    fire_at = datetime.strptime(armed.next_fire_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert fire_at.astimezone(ZoneInfo("America/New_York")).hour == 9  # the workspace's timezone
    trigger_envelopes(cloud)

    # When the ticker runs just after the firing time, twice (an overlapping or repeated tick)
    first = schedules.fire_due(get_settings(), runtime_config(), fire_at + timedelta(seconds=5))
    second = schedules.fire_due(get_settings(), runtime_config(), fire_at + timedelta(seconds=30))
    drain_queue(cloud, "AutomationTriggersQueue", automations().on_trigger)

    # Then one firing queued the workspace's contacts, and only the vips were enrolled
    assert (first["fired"], first["contacts_queued"], second["fired"]) == (1, 3, 0)
    assert sorted(r["contact_id"] for r in runs_of(api, token, flow_id)) == sorted(vips)
    # and the schedule moved to the next day
    rearmed = next(iter(schedules.ScheduleItem.query(f"WS#{owner['workspace']['id']}#FLOW#{flow_id}")))
    assert rearmed.next_fire_at > armed.next_fire_at


def test_deleting_a_scheduled_flow_disarms_it(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    flow_id = published(api, token, {"event": "schedule", "schedule": "*/5 * * * *"})
    assert api.delete(f"/flows/{flow_id}", token=token).status == 204
    assert list(schedules.ScheduleItem.query(f"WS#{owner['workspace']['id']}#FLOW#{flow_id}")) == []


def test_an_audience_chunk_enrols_in_groups_and_once_even_when_delivered_twice(cloud: Any, api: Api,
                                                                            owner: dict[str, Any]) -> None:
    # Given a scheduled flow and 20 contacts (more than one transaction's group), one already in the flow by hand
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, {"event": "schedule", "schedule": "0 9 * * *"})
    ids = [contact(api, token, f"C{i}") for i in range(20)]
    by_hand = api.post(f"/flows/{flow_id}/enrollments", {"contact_ids": [ids[3]]}, token=token).body["results"][0]
    flow = enrollment.published_flow(ws, flow_id)
    assert flow is not None and len(ids) > batched.PER_TRANSACTION
    chunk = {"kind": "enroll_chunk", "workspace_id": ws, "flow_id": flow_id, "version": flow.version,
             "trigger": {"id": "schedule:bench", "type": "schedule", "occurred_at": "2026-01-01T09:00:00Z", "data": {}},
             "contact_ids": ids, "apply_filters": True}

    # When the chunk is handled, then delivered again
    first = enrollment.on_chunk(get_settings(), chunk)
    again = enrollment.on_chunk(get_settings(), chunk)

    # Then the first delivery enrolled everyone but the contact already in the flow, and the second nobody
    assert (first, again) == (19, 0)
    listed = api.get(f"/flows/{flow_id}/runs?limit=100", token=token).body["items"]
    assert sorted(r["contact_id"] for r in listed) == sorted(ids)  # one run each
    assert [r["id"] for r in listed if r["contact_id"] == ids[3]] == [by_hand["run_id"]]
    # And one execution per run, counted once each in the flow's metrics
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=flow.state_machine_arn)["executions"]
    assert len(executions) == 20
    assert api.get(f"/flows/{flow_id}/metrics", token=token).body["enrolled"] == 20
