"""Deals end to end inside moto: create, validate, move (optimistic concurrency), history, events."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.integration.conftest import sign_up
from tests.support.apps import ROOT, Api

EVENT_SOURCES = ["leadpilot.deals", "leadpilot.pipelines"]


def _schema(event_type: str) -> Draft202012Validator:
    path = ROOT / "events" / "schemas" / f"{event_type}.json"
    return Draft202012Validator(json.loads(path.read_text()), format_checker=FormatChecker())


@pytest.fixture
def deal_events(cloud: Any) -> str:
    """A queue subscribed to deal and pipeline events on the bus (the template has no consumer yet)."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="test-deal-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = cloud.resources["EventBus"].name
    events.put_rule(Name="test-deal-events", EventBusName=bus, EventPattern=json.dumps({"source": EVENT_SOURCES}))
    events.put_targets(Rule="test-deal-events", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


def _received(url: str) -> list[dict[str, Any]]:
    sqs, out = boto3.client("sqs"), []
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


@pytest.fixture
def sales(api: Api, owner: dict[str, Any]) -> dict[str, Any]:
    token = owner["access_token"]
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    contact = api.post("/contacts", {"first_name": "Ada", "email": "ada@example.com"}, token=token).body
    return {"token": token, "owner": owner, "pipeline": pipeline, "pid": pipeline["id"], "contact": contact,
            "stages": {s["name"]: s["id"] for s in pipeline["stages"]}}


def _create(api: Api, sales: dict[str, Any], **extra: Any) -> Any:
    body = {"name": "Big deal", "pipeline_id": sales["pid"], "contact_id": sales["contact"]["id"], **extra}
    return api.post("/deals", body, token=sales["token"])


def _items(cloud: Any) -> int:
    return len(boto3.client("dynamodb").scan(TableName=cloud.resources["CrmTable"].name)["Items"])


def test_create_fills_defaults_and_get_returns_it(api: Api, sales: dict[str, Any]) -> None:
    # Given a pipeline whose first stage has a 10% default probability
    # When a deal is created with a decimal string value and no stage
    reply = _create(api, sales, value="1250.50", expected_close_date="2026-12-15")
    # Then it enters the first stage with its probability, USD, the caller as owner, status open
    assert reply.status == 201, reply
    deal = reply.body
    assert (deal["stage_id"], deal["probability"], deal["currency"], deal["status"]) == (
        sales["stages"]["Lead in"], 10, "USD", "open")
    assert deal["owner_id"] == sales["owner"]["user"]["id"]
    assert (deal["value"], deal["weighted_value"], deal["days_in_stage"], deal["version"]) == ("1250.5", "125.05", 0, 1)
    assert api.get(f"/deals/{deal['id']}", token=sales["token"]).body == deal


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(api: Api, sales: dict[str, Any],
                                                                  cloud: Any) -> None:
    # Given another workspace with its own contact and pipeline
    other = sign_up(api, "Other")
    foreign_contact = api.post("/contacts", {"first_name": "Them"}, token=other["access_token"]).body["id"]
    foreign_pipeline = api.post("/pipelines", {"name": "Theirs"}, token=other["access_token"]).body
    mine_other = api.post("/pipelines", {"name": "Second"}, token=sales["token"]).body
    before = _items(cloud)
    cases = [
        ({"contact_id": foreign_contact}, "contact_id"),
        ({"pipeline_id": foreign_pipeline["id"]}, "pipeline_id"),
        ({"stage_id": foreign_pipeline["stages"][0]["id"]}, "stage_id"),
        ({"stage_id": mine_other["stages"][0]["id"]}, "stage_id"),
        ({"owner_id": other["user"]["id"]}, "owner_id"),
        ({"colour": "red"}, "colour"),
        ({"value": -1}, "value"),
        ({"value": "12.3.4"}, "value"),
        ({"value": True}, "value"),
        ({"value": 0.123456}, "value"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": 840}, "currency"),
        ({"expected_close_date": "2026-02-30"}, "expected_close_date"),
        ({"probability": 150}, "probability"),
        ({"name": "   "}, "name"),
        ({"stage_id": sales["stages"]["Lost"]}, "lost_reason"),
    ]
    for extra, field in cases:
        # When a deal is created with one bad field
        reply = _create(api, sales, **extra)
        # Then it is a 4xx naming that field
        assert reply.status == 422, (extra, reply)
        assert field in [e["field"] for e in reply.body["error"]["details"]["errors"]], (extra, reply)
    # And nothing was written
    assert _items(cloud) == before


def test_move_with_optimistic_concurrency_and_status_from_the_stage(api: Api, sales: dict[str, Any]) -> None:
    token, stages = sales["token"], sales["stages"]
    deal = _create(api, sales, value=1000).body
    # When the deal is dragged to Proposal with its current version
    moved = api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Proposal"], "version": 1}, token=token)
    # Then it is there with the stage's probability and a new version
    assert moved.status == 200, moved
    assert (moved.body["stage_id"], moved.body["probability"], moved.body["version"]) == (stages["Proposal"], 50, 2)
    # When someone else drags it with the version they read before
    stale = api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Negotiation"], "version": 1}, token=token)
    # Then it is a 409 and the deal did not move
    assert stale.status == 409 and stale.body["error"]["details"]["current_version"] == 2
    assert api.get(f"/deals/{deal['id']}", token=token).body["stage_id"] == stages["Proposal"]
    # When it goes to Lost without a reason: 422 naming lost_reason; with one: lost
    lost = api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Lost"], "version": 2}, token=token)
    assert lost.status == 422 and lost.body["error"]["details"]["errors"][0]["field"] == "lost_reason"
    lost = api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Lost"], "version": 2,
                                                  "lost_reason": "budget"}, token=token)
    assert (lost.body["status"], lost.body["lost_reason"], lost.body["probability"]) == ("lost", "budget", 0)
    # When it moves to Won it is won, with closed_at, and the reason is gone
    won = api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Won"], "version": 3}, token=token).body
    assert (won["status"], won["lost_reason"], won["closed_at"] is not None) == ("won", None, True)
    # And back to an open stage it is open again
    reopened = api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Lead in"], "version": 4}, token=token).body
    assert (reopened["status"], reopened["closed_at"]) == ("open", None)


def test_moving_across_pipelines_needs_a_matching_pipeline_id(api: Api, sales: dict[str, Any]) -> None:
    token = sales["token"]
    deal = _create(api, sales).body
    other = api.post("/pipelines", {"name": "Renewals"}, token=token).body
    target = other["stages"][1]["id"]
    # When a stage of another pipeline is given alone, or with the wrong pipeline_id
    alone = api.post(f"/deals/{deal['id']}/move", {"stage_id": target, "version": 1}, token=token)
    wrong = api.post(f"/deals/{deal['id']}/move", {"stage_id": target, "version": 1, "pipeline_id": sales["pid"]},
                     token=token)
    # Then both are 422 naming stage_id
    for reply in (alone, wrong):
        assert reply.status == 422 and reply.body["error"]["details"]["errors"][0]["field"] == "stage_id", reply
    # When the matching pipeline_id is given, the deal changes pipeline
    moved = api.post(f"/deals/{deal['id']}/move", {"stage_id": target, "version": 1, "pipeline_id": other["id"]},
                     token=token)
    assert moved.status == 200 and moved.body["pipeline_id"] == other["id"], moved
    assert api.get(f"/pipelines/{sales['pid']}/board", token=token).body["totals"]["open"]["count"] == 0
    assert api.get(f"/pipelines/{other['id']}/board", token=token).body["totals"]["open"]["count"] == 1


def test_patch_requires_version_and_keeps_status_rules(api: Api, sales: dict[str, Any]) -> None:
    token, stages = sales["token"], sales["stages"]
    deal = _create(api, sales, value=10).body
    missing = api.patch(f"/deals/{deal['id']}", {"value": 20}, token=token)
    assert missing.status == 422 and missing.body["error"]["details"]["errors"][0]["field"] == "version"
    # When the value and close date change under the current version
    updated = api.patch(f"/deals/{deal['id']}", {"version": 1, "value": "20.25", "currency": "eur",
                                                 "expected_close_date": "2027-01-31"}, token=token)
    assert updated.status == 200, updated
    assert (updated.body["value"], updated.body["currency"], updated.body["version"]) == ("20.25", "EUR", 2)
    # Then a stale version is a 409 and a lost status needs a reason
    assert api.patch(f"/deals/{deal['id']}", {"version": 1, "name": "x"}, token=token).status == 409
    no_reason = api.patch(f"/deals/{deal['id']}", {"version": 2, "status": "lost"}, token=token)
    assert no_reason.status == 422 and no_reason.body["error"]["details"]["errors"][0]["field"] == "lost_reason"
    lost = api.patch(f"/deals/{deal['id']}", {"version": 2, "status": "lost", "lost_reason": "price"}, token=token)
    assert (lost.body["status"], lost.body["stage_id"]) == ("lost", stages["Lead in"])
    # And a deal in a won stage keeps status won
    won = _create(api, sales, stage_id=stages["Won"]).body
    refused = api.patch(f"/deals/{won['id']}", {"version": 1, "status": "open"}, token=token)
    assert refused.status == 422 and refused.body["error"]["details"]["errors"][0]["field"] == "status"
    # And an owner must be a member; a contact must be the workspace's
    other = sign_up(api, "Else")
    bad_owner = api.patch(f"/deals/{deal['id']}", {"version": 3, "owner_id": other["user"]["id"]}, token=token)
    assert bad_owner.status == 422 and bad_owner.body["error"]["details"]["errors"][0]["field"] == "owner_id"


def test_history_records_each_stay_and_seconds_per_stage(api: Api, sales: dict[str, Any]) -> None:
    token, stages = sales["token"], sales["stages"]
    deal = _create(api, sales).body
    api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Qualified"], "version": 1}, token=token)
    api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Proposal"], "version": 2}, token=token)
    history = api.get(f"/deals/{deal['id']}/history", token=token).body
    assert [(h["from_stage_id"], h["to_stage_id"], h["current"]) for h in history["items"]] == [
        (None, stages["Lead in"], False), (stages["Lead in"], stages["Qualified"], False),
        (stages["Qualified"], stages["Proposal"], True)]
    assert history["items"][1]["to_stage_name"] == "Qualified"
    assert all(h["left_at"] for h in history["items"][:2]) and history["items"][2]["left_at"] is None
    assert set(history["seconds_per_stage"]) == {stages["Lead in"], stages["Qualified"], stages["Proposal"]}
    assert api.get("/deals/01M80A45J90JMESM0AR82N1PFF/history", token=token).status == 404


def test_aging_counts_days_in_the_current_stage(api: Api, sales: dict[str, Any], cloud: Any) -> None:
    # Given a deal that entered its stage three days ago (both its items say so)
    deal = _create(api, sales).body
    ddb, table = boto3.client("dynamodb"), cloud.resources["CrmTable"].name
    past = (datetime.now(UTC) - timedelta(days=3, hours=1)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for item in ddb.scan(TableName=table)["Items"]:
        if item.get("deal_id", {}).get("S") == deal["id"] and "stage_entered_at" in item:
            ddb.update_item(TableName=table, Key={"PK": item["PK"], "SK": item["SK"]},
                            UpdateExpression="SET stage_entered_at = :t", ExpressionAttributeValues={":t": {"S": past}})
    # Then the deal and its card on the board show 3 days in stage
    assert api.get(f"/deals/{deal['id']}", token=sales["token"]).body["days_in_stage"] == 3
    board = api.get(f"/pipelines/{sales['pid']}/board", token=sales["token"]).body
    assert board["stages"][0]["deals"][0]["days_in_stage"] == 3


def test_delete_removes_the_deal_from_lists_and_board(api: Api, sales: dict[str, Any]) -> None:
    token = sales["token"]
    deal = _create(api, sales, value=5).body
    assert api.delete(f"/deals/{deal['id']}", token=token).status == 204
    assert api.get(f"/deals/{deal['id']}", token=token).status == 404
    assert api.delete(f"/deals/{deal['id']}", token=token).status == 404
    assert api.get("/deals", token=token).body["items"] == []
    board = api.get(f"/pipelines/{sales['pid']}/board", token=token).body
    assert board["stages"][0]["count"] == 0 and board["totals"]["open"] == {"count": 0, "value": {},
                                                                             "weighted_value": {}}


def test_every_change_emits_a_schema_valid_event_on_the_contact_timeline(api: Api, sales: dict[str, Any],
                                                                         deal_events: str) -> None:
    token, stages = sales["token"], sales["stages"]
    deal = _create(api, sales, value="99.99").body
    api.patch(f"/deals/{deal['id']}", {"version": 1, "name": "Bigger deal"}, token=token)
    api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Won"], "version": 2}, token=token)
    api.post(f"/deals/{deal['id']}/move", {"stage_id": stages["Lost"], "version": 3, "lost_reason": "x"}, token=token)
    api.delete(f"/deals/{deal['id']}", token=token)
    # Then the bus delivered each event, with the source derived from its noun, valid against its schema
    events = _received(deal_events)
    assert [e["detail-type"] for e in events] == ["deal.created", "deal.updated", "pipeline.stage_changed", "deal.won",
                                                  "pipeline.stage_changed", "deal.lost", "deal.deleted"]
    for event in events:
        assert event["source"] == ("leadpilot.pipelines" if event["detail-type"].startswith("pipeline")
                                   else "leadpilot.deals")
        errors = list(_schema(event["detail-type"]).iter_errors(event["detail"]))
        assert not errors, (event["detail-type"], errors)
    stage_changed = events[2]["detail"]["data"]
    assert (stage_changed["from_stage_id"], stage_changed["to_stage_id"]) == (stages["Lead in"], stages["Won"])
    assert stage_changed["time_in_previous_stage_s"] >= 0 and stage_changed["pipeline_id"] == sales["pid"]
    # And the events are on the contact's timeline
    activity = api.get(f"/contacts/{sales['contact']['id']}/activity", token=token).body["items"]
    types = [a["type"] for a in activity]
    # (events of one transaction share a millisecond, so their order on the timeline is not defined)
    assert types[0] == "deal.deleted" and set(types[1:3]) == {"deal.lost", "pipeline.stage_changed"}
    assert sorted(types) == sorted(["contact.created", *(e["detail-type"] for e in events)])


def test_samples_in_events_folder_match_their_schemas() -> None:
    samples = sorted([*(ROOT / "events" / "eventbridge").glob("deal.*.json"),
                      *(ROOT / "events" / "eventbridge").glob("pipeline.*.json")])
    assert len(samples) == 6
    for sample in samples:
        event = json.loads(sample.read_text())
        assert event["source"] == ("leadpilot.pipelines" if sample.name.startswith("pipeline") else "leadpilot.deals")
        errors = list(_schema(event["detail-type"]).iter_errors(event["detail"]))
        assert not errors, (sample.name, errors)
