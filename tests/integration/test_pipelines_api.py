"""Pipelines and stages end to end inside moto: create, rename, reorder, stage and pipeline deletion."""
from __future__ import annotations

from typing import Any

import pytest

from tests.support.apps import Api


@pytest.fixture
def sales(api: Api, owner: dict[str, Any]) -> dict[str, Any]:
    """A default sales pipeline and a contact, in the owner's workspace."""
    token = owner["access_token"]
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    contact = api.post("/contacts", {"first_name": "Ada", "email": "ada@example.com"}, token=token).body
    return {"token": token, "pipeline": pipeline, "contact": contact,
            "stages": {s["name"]: s["id"] for s in pipeline["stages"]}}


def _deal(api: Api, sales: dict[str, Any], stage: str = "Lead in", **extra: Any) -> dict[str, Any]:
    body = {"name": "Deal", "pipeline_id": sales["pipeline"]["id"], "contact_id": sales["contact"]["id"],
            "stage_id": sales["stages"][stage], "value": 100, **extra}
    reply = api.post("/deals", body, token=sales["token"])
    assert reply.status == 201, reply
    return reply.body


def test_create_gives_default_stages_in_order_and_list_returns_it(api: Api, sales: dict[str, Any]) -> None:
    # Given a pipeline created with only a name
    pipeline = sales["pipeline"]
    # Then it has the default stages in order, each with a kind and a probability
    assert [(s["name"], s["kind"], s["probability"], s["position"]) for s in pipeline["stages"]] == [
        ("Lead in", "open", 10, 0), ("Qualified", "open", 25, 1), ("Proposal", "open", 50, 2),
        ("Negotiation", "open", 75, 3), ("Won", "won", 100, 4), ("Lost", "lost", 0, 5)]
    # And it is listed and readable by id
    listed = api.get("/pipelines", token=sales["token"]).body["items"]
    assert [p["id"] for p in listed] == [pipeline["id"]]
    assert api.get(f"/pipelines/{pipeline['id']}", token=sales["token"]).body == pipeline


def test_several_pipelines_with_custom_stages(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    # When a second pipeline is created with its own stages
    reply = api.post("/pipelines", {"name": "Hiring", "stages": [
        {"name": "Applied", "probability": 5}, {"name": "Hired", "kind": "won"}, {"name": "Rejected", "kind": "lost"}]},
        token=token)
    api.post("/pipelines", {"name": "Sales"}, token=token)
    # Then defaults fill the probability by kind, and both pipelines are listed
    assert reply.status == 201, reply
    assert [(s["kind"], s["probability"]) for s in reply.body["stages"]] == [("open", 5), ("won", 100), ("lost", 0)]
    assert len(api.get("/pipelines", token=token).body["items"]) == 2


def test_rename_add_update_and_reorder_stages(api: Api, sales: dict[str, Any]) -> None:
    token, pid, stages = sales["token"], sales["pipeline"]["id"], sales["stages"]
    # When the pipeline is renamed and a stage is added at position 1
    assert api.patch(f"/pipelines/{pid}", {"name": "New business"}, token=token).body["name"] == "New business"
    added = api.post(f"/pipelines/{pid}/stages", {"name": "Demo", "probability": 20, "position": 1}, token=token)
    assert added.status == 201, added
    assert [s["name"] for s in added.body["stages"]][:3] == ["Lead in", "Demo", "Qualified"]
    # And a stage is renamed and given another default probability
    demo = added.body["stages"][1]["id"]
    updated = api.patch(f"/pipelines/{pid}/stages/{demo}", {"name": "Live demo", "probability": 30}, token=token)
    assert updated.body["stages"][1] == {**added.body["stages"][1], "name": "Live demo", "probability": 30}
    # And the stages are reordered
    order = [s["id"] for s in reversed(updated.body["stages"])]
    reordered = api.call("PUT", f"/pipelines/{pid}/stage-order", {"stage_ids": order}, token=token)
    assert [s["id"] for s in reordered.body["stages"]] == order
    assert api.get(f"/pipelines/{pid}", token=token).body["version"] == reordered.body["version"] == 5
    # Then a reorder that does not name every stage exactly once is refused naming the field
    bad = api.call("PUT", f"/pipelines/{pid}/stage-order", {"stage_ids": order[:-1]}, token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "stage_ids"
    dup = api.post(f"/pipelines/{pid}/stages", {"name": "live DEMO"}, token=token)
    assert dup.status == 422 and stages


def test_delete_stage_with_deals_needs_a_target_and_moves_them(api: Api, sales: dict[str, Any]) -> None:
    token, pid, stages = sales["token"], sales["pipeline"]["id"], sales["stages"]
    deals = [_deal(api, sales, "Qualified", value=10 * (i + 1)) for i in range(3)]
    # When the stage is deleted without saying where its deals go
    refused = api.delete(f"/pipelines/{pid}/stages/{stages['Qualified']}", token=token)
    # Then it is refused naming move_to_stage_id and nothing changed
    assert refused.status == 422, refused
    assert refused.body["error"]["details"]["errors"][0]["field"] == "move_to_stage_id"
    assert len(api.get(f"/pipelines/{pid}", token=token).body["stages"]) == 6
    # When a stage of another pipeline is given as the target
    other = api.post("/pipelines", {"name": "Other"}, token=token).body
    foreign = api.delete(f"/pipelines/{pid}/stages/{stages['Qualified']}?move_to_stage_id={other['stages'][0]['id']}",
                         token=token)
    assert foreign.status == 422 and foreign.body["error"]["details"]["errors"][0]["field"] == "move_to_stage_id"
    # When it is deleted moving its deals to Proposal
    done = api.delete(f"/pipelines/{pid}/stages/{stages['Qualified']}?move_to_stage_id={stages['Proposal']}",
                      token=token)
    # Then every deal moved, with history, and the board sums follow
    assert done.status == 200, done
    assert done.body["moved_deals"] == 3
    assert [s["name"] for s in done.body["pipeline"]["stages"]] == ["Lead in", "Proposal", "Negotiation", "Won", "Lost"]
    for deal in deals:
        moved = api.get(f"/deals/{deal['id']}", token=token).body
        assert moved["stage_id"] == stages["Proposal"] and moved["probability"] == 50
        history = api.get(f"/deals/{deal['id']}/history", token=token).body["items"]
        assert [h["to_stage_id"] for h in history] == [stages["Qualified"], stages["Proposal"]]
    board = api.get(f"/pipelines/{pid}/board", token=token).body
    proposal = next(s for s in board["stages"] if s["id"] == stages["Proposal"])
    assert proposal["count"] == 3 and proposal["value"] == {"USD": "60"} and proposal["weighted_value"] == {"USD": "30"}


def test_stage_delete_moves_more_deals_than_one_transaction_holds(api: Api, sales: dict[str, Any]) -> None:
    # Given more deals in a stage than fit in one 100-item transaction
    token, pid, stages = sales["token"], sales["pipeline"]["id"], sales["stages"]
    for i in range(30):
        _deal(api, sales, "Negotiation", value=i)
    # When the stage is deleted into Lost (a lost stage: the deals get a reason)
    done = api.delete(f"/pipelines/{pid}/stages/{stages['Negotiation']}?move_to_stage_id={stages['Lost']}",
                      token=token)
    # Then all moved, each now lost with a reason, and the counters agree
    assert done.status == 200 and done.body["moved_deals"] == 30, done
    lost = api.get(f"/deals?pipeline_id={pid}&stage_id={stages['Lost']}&limit=200", token=token).body["items"]
    assert len(lost) == 30 and all(d["status"] == "lost" and d["lost_reason"] for d in lost)
    board = api.get(f"/pipelines/{pid}/board", token=token).body
    assert board["totals"]["lost"]["count"] == 30 and board["totals"]["open"]["count"] == 0
    assert board["totals"]["lost"]["value"] == {"USD": str(sum(range(30)))}


def test_the_last_open_stage_cannot_be_deleted(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    pipeline = api.post("/pipelines", {"name": "Tiny", "stages": [{"name": "Only"}, {"name": "Won", "kind": "won"}]},
                        token=token).body
    reply = api.delete(f"/pipelines/{pipeline['id']}/stages/{pipeline['stages'][0]['id']}", token=token)
    assert reply.status == 409 and reply.body["error"]["details"] == {"field": "stage_id"}
    empty = api.delete(f"/pipelines/{pipeline['id']}/stages/{pipeline['stages'][1]['id']}", token=token)
    assert empty.status == 200 and empty.body["moved_deals"] == 0


def test_delete_pipeline_needs_target_when_it_has_deals(api: Api, sales: dict[str, Any]) -> None:
    token, pid = sales["token"], sales["pipeline"]["id"]
    deal = _deal(api, sales, "Proposal")
    other = api.post("/pipelines", {"name": "Other"}, token=token).body
    # When the pipeline with a deal is deleted without a target, or with one of its own stages
    assert api.delete(f"/pipelines/{pid}", token=token).status == 422
    own = api.delete(f"/pipelines/{pid}?move_to_stage_id={sales['stages']['Won']}", token=token)
    assert own.status == 422 and own.body["error"]["details"]["errors"][0]["field"] == "move_to_stage_id"
    # When it is deleted moving its deals to the other pipeline
    target = other["stages"][2]["id"]
    done = api.delete(f"/pipelines/{pid}?move_to_stage_id={target}", token=token)
    # Then the deal lives in the other pipeline, and the pipeline is gone
    assert done.status == 200 and done.body["moved_deals"] == 1, done
    moved = api.get(f"/deals/{deal['id']}", token=token).body
    assert (moved["pipeline_id"], moved["stage_id"]) == (other["id"], target)
    assert api.get(f"/pipelines/{pid}", token=token).status == 404
    assert api.get(f"/pipelines/{pid}/board", token=token).status == 404
    assert api.get(f"/pipelines/{other['id']}/board", token=token).body["totals"]["open"]["count"] == 1
    # And an empty pipeline is deleted outright
    assert api.delete(f"/pipelines/{other['id']}?move_to_stage_id={target}", token=token).status == 422
    empty = api.post("/pipelines", {"name": "Empty"}, token=token).body
    assert api.delete(f"/pipelines/{empty['id']}", token=token).body == {"deleted_pipeline_id": empty["id"],
                                                                         "moved_deals": 0}


def test_api_keys_cannot_delete_pipelines_or_stages(api: Api, sales: dict[str, Any]) -> None:
    # Given an integration's API key with write scope
    key = api.post("/workspace/api-keys", {"name": "zap", "scopes": ["write"]}, token=sales["token"]).body["key"]
    pid = sales["pipeline"]["id"]
    # When it tries to delete the pipeline or a stage, Then it is forbidden (owners and admins only)
    assert api.delete(f"/pipelines/{pid}", token=key).status == 403
    assert api.delete(f"/pipelines/{pid}/stages/{sales['stages']['Won']}", token=key).status == 403
    # But it can still work with the pipeline
    assert api.patch(f"/pipelines/{pid}", {"name": "Via key"}, token=key).status == 200


def test_bad_pipeline_input_names_the_field(api: Api, sales: dict[str, Any]) -> None:
    token, pid = sales["token"], sales["pipeline"]["id"]
    cases = [
        (api.post("/pipelines", {"name": "X", "color": "red"}, token=token), 422, "color"),
        (api.post("/pipelines", {"name": 7}, token=token), 422, "name"),
        (api.post("/pipelines", {"name": "X", "stages": [{"name": "W", "kind": "won"}]}, token=token), 422, "stages"),
        (api.post("/pipelines", {"name": "X", "stages": [{"name": "A", "probability": 101}]}, token=token), 422,
         "stages/0/probability"),
        (api.post(f"/pipelines/{pid}/stages", {"name": "Z", "kind": "maybe"}, token=token), 422, "kind"),
        (api.patch(f"/pipelines/{pid}/stages/{sales['stages']['Won']}", {"kind": "open"}, token=token), 422, "kind"),
        (api.delete(f"/pipelines/{pid}?move_to_stage_id=nope", token=token), 400, "move_to_stage_id"),
    ]
    for reply, status, field in cases:
        assert reply.status == status, (field, reply)
        details = reply.body["error"]["details"]
        assert field in [e["field"] for e in details.get("errors", [])] + [details.get("field")], (field, reply)
    assert api.patch(f"/pipelines/{pid}/stages/01M80A45J90JMESM0AR82N1PFF", {"name": "x"}, token=token).status == 404
