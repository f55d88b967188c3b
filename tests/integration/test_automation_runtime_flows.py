"""Flows API, publishing versions, enrollment rules, the loop guard and run controls (moto in-process)."""
from __future__ import annotations

from typing import Any

import boto3

from tests.integration.conftest import drain_queue
from tests.integration.test_automation_runtime_helpers import automations, deliver, drive, trigger_envelopes
from tests.support.apps import Api


def waiting_flow(text: str = "Hello") -> dict[str, Any]:
    """When tag lead is added: text, then wait 3 days (unscaled here, so the run stays waiting)."""
    return {"name": "Wait", "trigger": {"event": "contact.tag_added",
                                        "filters": [{"var": "trigger.data.tag", "op": "eq", "value": "lead"}]},
            "nodes": [{"id": "start", "type": "trigger"}, {"id": "text", "type": "send_sms", "body": text},
                      {"id": "await", "type": "wait_for_reply", "timeout": {"days": 3}},
                      {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
            "edges": [{"from": "start", "to": "text"}, {"from": "text", "to": "await"},
                      {"from": "await", "to": "yes", "label": "reply"},
                      {"from": "await", "to": "no", "label": "timeout"}]}


def tag(cloud: Any, api: Api, token: str, name: str, tag_name: str) -> str:
    """A new contact tagged `tag_name`, its events delivered to the trigger consumer; returns its id."""
    contact = api.post("/contacts", {"first_name": name, "phone": "+1415555" + str(abs(hash(name)) % 10000).zfill(4)},
                       token=token).body
    api.post(f"/contacts/{contact['id']}/tags", {"add": [tag_name]}, token=token)
    deliver(trigger_envelopes(cloud))
    return str(contact["id"])


def test_an_invalid_flow_is_refused_naming_node_and_field(api: Api, owner: dict[str, Any]) -> None:
    # Given a flow whose text has no body
    token = owner["access_token"]
    flow = waiting_flow()
    del flow["nodes"][1]["body"]

    # When it is saved
    reply = api.post("/flows", flow, token=token)

    # Then it is refused with the node and the field, and nothing was saved
    assert reply.status == 422, reply
    assert {"node": "text", "field": "body", "message": "is required"} in reply.body["error"]["details"]["errors"]
    assert api.get("/flows", token=token).body["items"] == []


def test_publishing_makes_versions_and_running_runs_keep_theirs(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a published flow with a run waiting for a reply
    token = owner["access_token"]
    flow_id = api.post("/flows", waiting_flow("v1 text"), token=token).body["id"]
    assert api.post(f"/flows/{flow_id}/publish", token=token).body["version"] == 1
    tag(cloud, api, token, "First", "lead")
    drain_queue(cloud, "AutomationActionsQueue", automations().on_action)

    # When the draft is edited and published again, and another contact is tagged
    assert api.patch(f"/flows/{flow_id}", {"name": "Wait v2"}, token=token).status == 200
    second = api.post(f"/flows/{flow_id}/publish", token=token)
    tag(cloud, api, token, "Second", "lead")

    # Then each version has its own state machine, the first run is still on v1 and the new one on v2
    assert second.status == 201 and second.body["version"] == 2
    machines = [m["name"] for m in boto3.client("stepfunctions").list_state_machines()["stateMachines"]]
    assert sum(1 for m in machines if flow_id in m) == 2
    runs = api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
    assert sorted((r["version"], r["status"]) for r in runs) == [(1, "running"), (2, "running")]
    assert api.get(f"/flows/{flow_id}", token=token).body["published_version"] == 2


def test_a_contact_is_never_in_two_active_runs_and_cancel_stops_a_run(cloud: Any, api: Api,
                                                                        owner: dict[str, Any]) -> None:
    # Given a contact in a running run of a published flow
    token = owner["access_token"]
    flow_id = api.post("/flows", waiting_flow(), token=token).body["id"]
    api.post(f"/flows/{flow_id}/publish", token=token)
    contact_id = tag(cloud, api, token, "Ada", "lead")

    # When the tag is removed and added again (a new trigger event)
    api.post(f"/contacts/{contact_id}/tags", {"remove": ["lead"]}, token=token)
    api.post(f"/contacts/{contact_id}/tags", {"add": ["lead"]}, token=token)
    deliver(trigger_envelopes(cloud))

    # Then there is still one run; cancelling it stops it once
    runs = api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
    assert len(runs) == 1
    cancelled = api.post(f"/runs/{runs[0]['id']}/cancel", token=token)
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled", cancelled
    assert api.post(f"/runs/{runs[0]['id']}/cancel", token=token).status == 409
    assert api.get(f"/flows/{flow_id}/runs?status=cancelled", token=token).body["items"][0]["id"] == runs[0]["id"]


def test_a_flow_s_own_action_does_not_retrigger_it(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a flow, with re-entry on, that adds a tag whenever any tag is added
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow = {"name": "Echo", "trigger": {"event": "contact.tag_added", "reentry": True},
            "nodes": [{"id": "start", "type": "trigger"}, {"id": "mark", "type": "add_tag", "tag": "auto"},
                      {"id": "done", "type": "end"}],
            "edges": [{"from": "start", "to": "mark"}, {"from": "mark", "to": "done"}]}
    flow_id = api.post("/flows", flow, token=token).body["id"]
    api.post(f"/flows/{flow_id}/publish", token=token)

    # When a person tags a contact and the run adds its own tag
    contact_id = tag(cloud, api, token, "Loop", "manual")
    run_id = api.get(f"/flows/{flow_id}/runs", token=token).body["items"][0]["id"]
    assert drive(cloud, api, token, run_id, ws, contact_id)["status"] == "succeeded"
    envelopes = [e for e in trigger_envelopes(cloud) if e["detail-type"] == "contact.tag_added"]
    deliver(envelopes)

    # Then the run's own tag_added event (actor: the flow) starts no second run
    assert [e["detail"]["data"]["tag"] for e in envelopes] == ["auto"]
    assert envelopes[0]["detail"]["actor"] == {"type": "system", "id": f"automation:{flow_id}:{run_id}"}
    assert len(api.get(f"/flows/{flow_id}/runs", token=token).body["items"]) == 1
    assert sorted(api.get(f"/contacts/{contact_id}", token=token).body["tags"]) == ["auto", "manual"]
