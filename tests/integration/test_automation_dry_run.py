"""Dry run: the path a flow would take for a contact, with previews, no side effects, as the real run decides."""
from __future__ import annotations

from typing import Any

from tests.integration.test_automation_runs import fast_time, flow_of, published  # noqa: F401 - fast_time: fixture
from tests.integration.test_automation_runtime_helpers import deliver, drive, follow_up_flow, trigger_envelopes
from tests.integration.test_automation_runtime_helpers import texts as texts_of
from tests.support.apps import Api


def test_dry_run_of_the_follow_up_flow_previews_every_text_and_has_no_side_effects(
        cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given the follow-up flow (draft only) and a contact
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = api.post("/flows", follow_up_flow(), token=token).body["id"]
    contact_id = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550101"}, token=token).body["id"]

    # When it is simulated without a reply, then with a reply at the first wait
    silent = api.post(f"/flows/{flow_id}/dry-run", {"contact_id": contact_id}, token=token)
    answered = api.post(f"/flows/{flow_id}/dry-run", {"contact_id": contact_id, "assume": {"replies": {"await": True}}},
                        token=token)

    # Then the silent path sends 1 + 4 texts and hands over; the answered one stops after the first text
    assert silent.status == 200, silent
    assert silent.body["outcome"] == "ended" and silent.body["path"][-2:] == ["owner_task", "handed_over"]
    texts = [s["preview"]["body"] for s in silent.body["steps"] if s["type"] == "send_sms"]
    assert texts == ["Hi Ada, any questions?"] + ["Hi Ada, still interested?"] * 4
    assert silent.body["steps"][-2]["preview"]["title"] == "Call Ada"
    assert answered.body["path"] == ["intro", "followups", "await", "replied"]
    # and nothing was sent, started or created
    assert texts_of(ws, contact_id) == []
    assert api.get(f"/flows/{flow_id}/runs", token=token).body["items"] == []
    assert api.get("/tasks?view=team", token=token).body["items"] == []


def routing_flow() -> dict[str, Any]:
    """VIPs get one text; others by company: Acme leads another text, the rest are tagged cold."""
    return flow_of(
        [{"id": "is_vip", "type": "condition", "if": {"var": "contact.tags", "op": "has_tag", "value": "vip"}},
         {"id": "vip_text", "type": "send_sms", "body": "Welcome back {{contact.first_name}}"},
         {"id": "by_company", "type": "branch",
          "cases": [{"label": "acme", "if": {"var": "contact.company", "op": "starts_with", "value": "Acme"}}]},
         {"id": "acme_text", "type": "send_sms", "body": "Hello {{contact.company}}"},
         {"id": "mark_cold", "type": "add_tag", "tag": "cold"},
         {"id": "done", "type": "end"}],
        [("is_vip", "vip_text", "true"), ("is_vip", "by_company", "false"), ("vip_text", "done"),
         ("by_company", "acme_text", "acme"), ("by_company", "mark_cold", "else"), ("acme_text", "done"),
         ("mark_cold", "done")])


def test_dry_run_takes_the_path_the_real_run_takes(cloud: Any, api: Api, owner: dict[str, Any],
                                                    fast_time: None) -> None:  # noqa: F811 - the fixture
    # Given a published routing flow and three contacts it routes differently
    token, ws = owner["access_token"], owner["workspace"]["id"]
    flow_id = published(api, token, routing_flow())
    people = [{"first_name": "Vi", "phone": "+14155550121", "tags": ["vip"]},
              {"first_name": "Al", "phone": "+14155550122", "company": "Acme Corp"},
              {"first_name": "Co", "phone": "+14155550123", "company": "Other"}]
    for person in people:
        # When each is simulated, then enrolled and run for real
        contact = api.post("/contacts", person, token=token).body
        simulated = api.post(f"/flows/{flow_id}/dry-run", {"contact_id": contact["id"]}, token=token).body
        api.post(f"/contacts/{contact['id']}/tags", {"add": ["go"]}, token=token)
        deliver(trigger_envelopes(cloud))
        run = next(r for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"]
                   if r["contact_id"] == contact["id"])
        assert drive(cloud, api, token, run["id"], ws, contact["id"])["status"] == "succeeded"

        # Then the actions the run performed are the actions the dry run listed, with the same texts
        performed = [s["node"] for s in api.get(f"/runs/{run['id']}/steps", token=token).body["items"]
                     if s["type"] == "action" and s["action"] != "load_contact"]
        assert performed == [s["node"] for s in simulated["steps"] if s["type"] in ("send_sms", "add_tag")], person
        sent = [m["body"] for m in texts_of(ws, contact["id"])]
        assert sent == [s["preview"]["body"] for s in simulated["steps"] if s["type"] == "send_sms"]


def test_dry_run_requests_are_checked(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a draft flow
    token = owner["access_token"]
    flow_id = api.post("/flows", follow_up_flow(), token=token).body["id"]
    contact_id = api.post("/contacts", {"first_name": "Ada"}, token=token).body["id"]

    # When it is simulated for no contact, for a version never published, or with an unknown assumption
    nobody = api.post(f"/flows/{flow_id}/dry-run", {"contact_id": "01M80A45J90JMESM0AR82N1PFF"}, token=token)
    unpublished = api.post(f"/flows/{flow_id}/dry-run", {"contact_id": contact_id, "version": 3}, token=token)
    unknown = api.post(f"/flows/{flow_id}/dry-run", {"contact_id": contact_id, "assume": {"moods": {}}}, token=token)

    # Then each is refused naming the field
    assert nobody.status == 404 and nobody.body["error"]["details"]["field"] == "contact_id", nobody
    assert unpublished.status == 422 and unpublished.body["error"]["details"]["errors"][0]["field"] == "version"
    assert unknown.status == 422 and unknown.body["error"]["details"]["errors"][0]["field"] == "assume/moods"


def test_an_unsaved_flow_document_can_be_simulated(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a flow document that was never saved, and a contact
    token = owner["access_token"]
    contact_id = api.post("/contacts", {"first_name": "Ada", "phone": "+14155550101"}, token=token).body["id"]
    broken = follow_up_flow()
    del broken["nodes"][1]["body"]

    # When it is simulated with a reply at its first wait, and a broken copy is simulated too
    reply = api.post("/flows/dry-run", {"flow": follow_up_flow(), "contact_id": contact_id,
                                        "assume": {"replies": {"await": True}}}, token=token)
    refused = api.post("/flows/dry-run", {"flow": broken, "contact_id": contact_id}, token=token)

    # Then the path is the saved flow's, nothing was saved, and the broken one names its node and field
    assert reply.status == 200 and reply.body["path"] == ["intro", "followups", "await", "replied"], reply
    assert api.get("/flows", token=token).body["items"] == []
    assert refused.status == 422 and {"node": "intro", "field": "body", "message": "is required"} in (
        refused.body["error"]["details"]["errors"])

