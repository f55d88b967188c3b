"""Merging duplicates; GDPR export and erasure; lead score."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from leadpilot.contacts import merge_hooks, scoring
from leadpilot.settings import get_settings
from tests.integration.conftest import receive_events
from tests.integration.test_contacts_api import _schema as event_schema
from tests.support.apps import Api


@pytest.fixture
def hook_calls() -> Iterator[list[tuple[str, str, str]]]:
    calls: list[tuple[str, str, str]] = []

    def reassign(settings: Any, ws: str, from_id: str, to_id: str) -> int:
        calls.append((ws, from_id, to_id))
        return 2

    merge_hooks.register("deals", reassign)
    yield calls
    merge_hooks.unregister("deals")


def test_merge_fills_blanks_unions_tags_moves_claims_and_timeline(api: Api, owner: dict[str, Any], cloud: Any,
                                                                   hook_calls: list[Any]) -> None:
    # Given a survivor without a phone and a duplicate with one
    token = owner["access_token"]
    survivor = api.post("/contacts", {"first_name": "Ada", "email": "ada@x.test", "tags": ["vip"]}, token=token).body
    duplicate = api.post("/contacts", {"first_name": "A.", "last_name": "Lovelace", "email": "ada@y.test",
                                       "phone": "4155550101", "tags": ["lead", "vip"]}, token=token).body
    api.patch(f"/contacts/{duplicate['id']}", {"company": "AE"}, token=token)
    receive_events(cloud)
    # When they are merged
    reply = api.post(f"/contacts/{survivor['id']}/merge", {"duplicate_id": duplicate["id"]}, token=token)
    # Then the survivor keeps its values, fills its blanks and unites the tags
    assert reply.status == 200, reply
    merged = reply.body["contact"]
    assert (merged["first_name"], merged["last_name"], merged["email"], merged["phone"], merged["company"]) == \
        ("Ada", "Lovelace", "ada@x.test", "+14155550101", "AE")
    assert merged["tags"] == ["vip", "lead"]
    assert reply.body["reassigned"] == {"deals": 2, "tasks": 0, "notes": 0}
    assert hook_calls == [(owner["workspace"]["id"], duplicate["id"], survivor["id"])]
    # And the duplicate is gone, its phone now points at the survivor, its email is free again
    assert api.get(f"/contacts/{duplicate['id']}", token=token).status == 404
    taken = api.post("/contacts", {"first_name": "X", "phone": "+14155550101"}, token=token)
    assert taken.status == 409 and taken.body["error"]["details"]["existing_contact_id"] == survivor["id"]
    assert api.post("/contacts", {"first_name": "Y", "email": "ada@y.test"}, token=token).status == 201
    # And nothing of the duplicate's timeline is lost
    timeline = api.get(f"/contacts/{survivor['id']}/timeline", token=token).body["items"]
    copied = [e for e in timeline if e.get("copied_from") == duplicate["id"]]
    assert [e["type"] for e in copied] == ["contact.updated", "contact.created"]
    assert timeline[0]["type"] == "contact.merged" and reply.body["timeline_entries_copied"] == 2
    assert api.get("/tags", token=token).body["items"] == [{"tag": "lead", "count": 1}, {"tag": "vip", "count": 1}]
    # And one schema-valid contact.merged event went out
    events = [e["detail"] for e in receive_events(cloud)]
    assert [e["type"] for e in events if e["type"] == "contact.merged"] == ["contact.merged"]
    for event in events:
        assert not list(event_schema(event["type"]).iter_errors(event)), event


def test_merge_refuses_itself_and_unknown_duplicates(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    same = api.post(f"/contacts/{contact['id']}/merge", {"duplicate_id": contact["id"]}, token=token)
    assert same.status == 422
    missing = api.post(f"/contacts/{contact['id']}/merge", {"duplicate_id": "01M80A45J90JMESM0AR82N1PFF"},
                       token=token)
    assert missing.status == 404 and missing.body["error"]["details"] == {"field": "duplicate_id"}


def test_export_then_erase(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    # Given a contact with a history
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada", "email": "ada@x.test", "tags": ["vip"]}, token=token).body
    api.patch(f"/contacts/{contact['id']}", {"company": "Secret Engines"}, token=token)
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    api.post("/deals", {"name": "Engine order", "pipeline_id": pipeline["id"], "contact_id": contact["id"]},
             token=token)
    api.post("/notes", {"contact_id": contact["id"], "body": "Ada prefers calls after 5pm"}, token=token)
    api.post("/tasks", {"title": "Call Ada back", "due_at": "2030-01-15T09:00",
                        "related_to": {"type": "contact", "id": contact["id"]}}, token=token)
    # When it is exported, everything held is there: fields, timeline, deals, tasks and notes
    export = api.get(f"/contacts/{contact['id']}/export", token=token).body
    assert export["contact"]["email"] == "ada@x.test"
    assert [e["type"] for e in export["timeline"]][:2] == ["contact.created", "contact.updated"]
    assert [d["name"] for d in export["deals"]] == ["Engine order"]
    assert [t["title"] for t in export["tasks"]] == ["Call Ada back"]
    assert [n["body"] for n in export["notes"]] == ["Ada prefers calls after 5pm"]
    assert export["score"]["score"] == 0
    receive_events(cloud)
    # When it is erased
    reply = api.post(f"/contacts/{contact['id']}/erase", token=token)
    assert reply.status == 200, reply
    assert (reply.body["notes_deleted"], reply.body["tasks_deleted"], reply.body["deals_kept"]) == (1, 1, 1)
    # Then the contact, its claims and its tags are gone, and no personal data is left in the table
    assert api.get(f"/contacts/{contact['id']}", token=token).status == 404
    assert api.get("/tags", token=token).body["items"] == []
    table = cloud.resources["CrmTable"].name
    dump = str(boto3.client("dynamodb").scan(TableName=table)["Items"])
    assert "ada@x.test" not in dump and "Secret Engines" not in dump and "Ada" not in dump
    # And the timeline keeps the fact of each entry and of the erasure
    timeline = api.get(f"/contacts/{contact['id']}/timeline", token=token).body["items"]
    assert timeline[0]["type"] == "contact.erased" and timeline[-1]["type"] == "contact.created"
    assert all(e["data"] == {"erased": True} and e["changes"] == {} for e in timeline[1:])
    events = [e["detail"] for e in receive_events(cloud)]
    erased = [e for e in events if e["type"] == "contact.erased"]
    assert len(erased) == 1 and not list(event_schema("contact.erased").iter_errors(erased[0]))


def test_score_from_rules_and_engagement_with_explanation(api: Api, owner: dict[str, Any]) -> None:
    # Given scoring rules on a tag, a field and a custom field
    token = owner["access_token"]
    api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "text"}, token=token)
    rules = [{"name": "VIP", "points": 20, "when": {"tag": "vip"}},
             {"name": "Has company", "points": 5, "when": {"field": "company", "op": "exists"}},
             {"name": "Gold plan", "points": 30, "when": {"custom_field": "plan", "op": "eq", "value": "gold"}}]
    put = api.call("PUT", "/contact-scoring", {"rules": rules, "signals": {"opens": {"points": 2, "max": 3},
                                                                          "pipeline_stage": {"won": 50}}}, token=token)
    assert put.status == 200, put
    contact = api.post("/contacts", {"first_name": "Ada", "company": "AE", "tags": ["vip"],
                                     "custom_fields": {"plan": "gold"}}, token=token).body
    assert contact["score"] == 55
    # When other capabilities record engagement
    settings = get_settings()
    for _ in range(3):
        scoring.record_engagement(settings, owner["workspace"]["id"], contact["id"], "open")
    scoring.record_engagement(settings, owner["workspace"]["id"], contact["id"], "pipeline_stage", stage="won")
    # Then the score explains every contribution, is stored, and sorts and filters searches
    score = api.get(f"/contacts/{contact['id']}/score", token=token).body
    assert score["score"] == score["stored_score"] == 108
    assert {(p["name"], p["points"]) for p in score["contributions"]} == {
        ("VIP", 20), ("Has company", 5), ("Gold plan", 30), ("opens", 3), ("pipeline_stage", 50)}
    assert score["engagement"]["opens"] == 3 and score["last_activity_at"]
    other = api.post("/contacts", {"first_name": "Bob"}, token=token).body
    found = api.get("/contacts/search?sort=-score", token=token).body["items"]
    assert [c["id"] for c in found] == [contact["id"], other["id"]]
    assert [c["id"] for c in api.get("/contacts/search?score_min=100", token=token).body["items"]] == [contact["id"]]
    recent = api.get("/contacts/search?sort=-last_activity_at", token=token).body["items"]
    assert recent[0]["id"] == contact["id"]


def test_merge_moves_deals_tasks_and_notes_to_the_survivor(api: Api, owner: dict[str, Any]) -> None:
    # Given a duplicate contact with a deal, a task and a note of its own
    token = owner["access_token"]
    survivor = api.post("/contacts", {"first_name": "Ada", "email": "ada@x.test"}, token=token).body
    duplicate = api.post("/contacts", {"first_name": "Ada L", "email": "ada@y.test"}, token=token).body
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    deal = api.post("/deals", {"name": "Engine", "pipeline_id": pipeline["id"], "contact_id": duplicate["id"]},
                    token=token).body
    task = api.post("/tasks", {"title": "Call", "due_at": "2030-01-15T09:00",
                               "related_to": {"type": "contact", "id": duplicate["id"]}}, token=token).body
    note = api.post("/notes", {"contact_id": duplicate["id"], "body": "Met at the fair"}, token=token).body
    # When the two contacts are merged
    reply = api.post(f"/contacts/{survivor['id']}/merge", {"duplicate_id": duplicate["id"]}, token=token)
    # Then every record now belongs to the survivor
    assert reply.status == 200, reply
    assert reply.body["reassigned"] == {"deals": 1, "tasks": 1, "notes": 1}
    assert api.get(f"/deals/{deal['id']}", token=token).body["contact_id"] == survivor["id"]
    assert api.get(f"/tasks/{task['id']}", token=token).body["related_to"]["id"] == survivor["id"]
    assert api.get(f"/notes/{note['id']}", token=token).body["contact_id"] == survivor["id"]


def test_a_deal_moving_stage_scores_its_contact(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    from tests.integration.conftest import drain_queue
    from tests.support.apps import load_module

    # Given points for contacts whose deal reaches the "Won" stage
    token = owner["access_token"]
    pipeline = api.post("/pipelines", {"name": "Sales"}, token=token).body
    won = next(s for s in pipeline["stages"] if s["kind"] == "won")
    api.call("PUT", "/contact-scoring", {"rules": [], "signals": {"pipeline_stage": {won["name"]: 40}}}, token=token)
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    deal = api.post("/deals", {"name": "D", "pipeline_id": pipeline["id"], "contact_id": contact["id"]},
                    token=token).body
    # When the deal is dragged to Won and the bus delivers the stage change (twice: at-least-once)
    api.post(f"/deals/{deal['id']}/move", {"stage_id": won["id"], "version": deal["version"]}, token=token)
    handler = load_module("functions/contacts").on_contact_event
    sqs, url = boto3.client("sqs"), cloud.resources["ContactEventsQueue"].url
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    drain_queue(cloud, "ContactEventsQueue", handler)
    redelivered = {"Records": [{"messageId": str(i), "body": b} for i, b in enumerate(bodies)]}
    assert handler(redelivered, None) == {"batchItemFailures": []}
    # Then the contact's score counts the stage once
    score = api.get(f"/contacts/{contact['id']}/score", token=token).body
    assert score["score"] == 40 and score["engagement"]["pipeline_stage"] == won["name"]
