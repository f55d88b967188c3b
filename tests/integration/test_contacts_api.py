"""Contacts end to end inside moto: CRUD, dedupe, validation, activity, events."""
from __future__ import annotations

import json
import time
from typing import Any

import boto3
from jsonschema import Draft202012Validator, FormatChecker

from tests.integration.conftest import receive_events, sign_up
from tests.support.apps import ROOT, Api

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com", "phone": "(415) 555-0101",
       "company": "Analytical Engines", "source": "web", "tags": ["VIP", "vip", " Newsletter "]}


def _schema(event_type: str) -> Draft202012Validator:
    path = ROOT / "events" / "schemas" / f"{event_type}.json"
    return Draft202012Validator(json.loads(path.read_text()), format_checker=FormatChecker())


def _items(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=table)["Items"]


def test_create_normalises_and_get_returns_it(api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace whose default phone region is US
    token = owner["access_token"]
    # When a contact is created with a national phone number and messy tags
    created = api.post("/contacts", ADA, token=token)
    # Then it is stored normalised and readable by id
    assert created.status == 201, created
    assert created.body["email"] == "ada@example.com"
    assert created.body["phone"] == "+14155550101"
    assert created.body["tags"] == ["vip", "newsletter"]
    fetched = api.get(f"/contacts/{created.body['id']}", token=token)
    assert fetched.status == 200 and fetched.body == created.body


def test_phone_uses_the_workspace_default_region(api: Api) -> None:
    # Given a workspace in Great Britain
    gb = sign_up(api, "Brit", region="GB")
    # When a UK national number is given
    reply = api.post("/contacts", {"first_name": "Alan", "phone": "020 7946 0018"}, token=gb["access_token"])
    # Then it is parsed as a GB number
    assert reply.status == 201, reply
    assert reply.body["phone"] == "+442079460018"


def test_duplicate_email_or_phone_is_refused_naming_the_existing_contact(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    first = api.post("/contacts", ADA, token=token).body
    # When another contact uses the same email in a different case
    by_email = api.post("/contacts", {"first_name": "Other", "email": "ADA@example.com"}, token=token)
    # Or the same phone written differently
    by_phone = api.post("/contacts", {"first_name": "Other", "phone": "+1 415-555-0101"}, token=token)
    # Then both are 409 naming the field and the existing contact, and nothing was written
    assert by_email.status == 409 and by_email.body["error"]["details"] == {
        "field": "email", "existing_contact_id": first["id"]}
    assert by_phone.status == 409 and by_phone.body["error"]["details"]["field"] == "phone"
    listed = api.get("/contacts", token=token).body["items"]
    assert [c["id"] for c in listed] == [first["id"]]


def test_same_email_is_fine_in_another_workspace(api: Api, owner: dict[str, Any]) -> None:
    other = sign_up(api, "Other")
    assert api.post("/contacts", ADA, token=owner["access_token"]).status == 201
    assert api.post("/contacts", ADA, token=other["access_token"]).status == 201


def test_partial_update_changes_only_sent_fields_and_moves_the_email_claim(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", ADA, token=token).body
    # When the email changes and the phone is cleared
    reply = api.patch(f"/contacts/{contact['id']}", {"email": "ada@new.example", "phone": None}, token=token)
    # Then only those fields changed and the version moved on
    assert reply.status == 200, reply
    assert reply.body["email"] == "ada@new.example" and reply.body["phone"] is None
    assert reply.body["company"] == "Analytical Engines" and reply.body["version"] == 2
    # And the old email and phone are free again while the new email is taken
    assert api.post("/contacts", {"first_name": "B", "email": "ada@example.com", "phone": "4155550101"},
                    token=token).status == 201
    assert api.post("/contacts", {"first_name": "C", "email": "ada@new.example"}, token=token).status == 409


def test_update_to_a_taken_email_is_409_and_changes_nothing(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    a = api.post("/contacts", ADA, token=token).body
    b = api.post("/contacts", {"first_name": "Bob", "email": "bob@example.com"}, token=token).body
    reply = api.patch(f"/contacts/{b['id']}", {"email": "ada@example.com", "company": "X"}, token=token)
    assert reply.status == 409 and reply.body["error"]["details"]["existing_contact_id"] == a["id"]
    assert api.get(f"/contacts/{b['id']}", token=token).body == b


def test_delete_removes_contact_and_frees_its_email(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", ADA, token=token).body
    assert api.delete(f"/contacts/{contact['id']}", token=token).status == 204
    assert api.get(f"/contacts/{contact['id']}", token=token).status == 404
    assert api.delete(f"/contacts/{contact['id']}", token=token).status == 404
    assert api.post("/contacts", ADA, token=token).status == 201


def test_list_paginates_with_a_cursor(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    ids = [api.post("/contacts", {"first_name": f"P{i}"}, token=token).body["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        reply = api.get("/contacts?limit=2" + (f"&cursor={cursor}" if cursor else ""), token=token)
        assert reply.status == 200 and len(reply.body["items"]) <= 2
        seen += [c["id"] for c in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_every_change_writes_activity_and_emits_schema_valid_events(api: Api, owner: dict[str, Any],
                                                                   cloud: Any) -> None:
    token = owner["access_token"]
    contact = api.post("/contacts", ADA, token=token).body
    api.patch(f"/contacts/{contact['id']}", {"company": "AE"}, token=token)
    api.delete(f"/contacts/{contact['id']}", token=token)
    # Then the activity (kept after deletion) lists the three changes, newest first
    activity = api.get(f"/contacts/{contact['id']}/activity", token=token)
    assert activity.status == 200
    assert [a["type"] for a in activity.body["items"]] == ["contact.deleted", "contact.updated", "contact.created"]
    assert activity.body["items"][1]["changes"] == {"company": {"from": "Analytical Engines", "to": "AE"}}
    # And the bus delivered one valid event per change to the rule's queue
    events = receive_events(cloud)
    assert [e["detail-type"] for e in events] == ["contact.created", "contact.updated", "contact.deleted"]
    for event in events:
        assert event["source"] == "leadpilot.contacts"
        errors = list(_schema(event["detail-type"]).iter_errors(event["detail"]))
        assert not errors, errors
    # And nothing is left pending in the outbox
    assert not [i for i in _items(cloud.resources["CrmTable"].name) if i.get("GSI1PK", {}).get("S") == "OUTBOX"]


def test_samples_in_events_folder_match_their_schemas() -> None:
    for sample in sorted((ROOT / "events" / "eventbridge").glob("contact.*.json")):
        event = json.loads(sample.read_text())
        errors = list(_schema(event["detail-type"]).iter_errors(event["detail"]))
        assert not errors, (sample.name, errors)


def test_validation_errors_name_the_field_and_write_nothing(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    table = cloud.resources["CrmTable"].name
    before = len(_items(table))
    cases = [
        ({"first_name": "A", "email": "not-an-email"}, 422, "email"),
        ({"first_name": "A", "phone": "12"}, 422, "phone"),
        ({"first_name": "A", "nickname": "x"}, 422, "nickname"),
        ({"first_name": 7}, 422, "first_name"),
        ({"first_name": "A", "tags": "vip"}, 422, "tags"),
        ({"first_name": "A", "tags": [""]}, 422, "tags/0"),
        ({"company": "Only a company"}, 422, "first_name"),
    ]
    for body, status, field in cases:
        reply = api.post("/contacts", body, token=token)
        assert reply.status == status, (body, reply)
        fields = [e["field"] for e in reply.body["error"]["details"]["errors"]]
        assert field in fields, (body, reply)
    malformed = [
        (api.post("/contacts", raw='{"first_name": ', token=token), 400, "invalid_json"),
        (api.post("/contacts", raw="[1, 2]", token=token), 400, "invalid_json"),
        (api.post("/contacts", raw="", token=token), 400, "invalid_json"),
        (api.post("/contacts", raw=json.dumps({"first_name": "x" * 70000}), token=token), 413, "payload_too_large"),
        (api.post("/contacts", raw="first_name=A", token=token, headers={"Content-Type": "text/plain"}), 415,
         "unsupported_media_type"),
        (api.get("/contacts/not-an-id", token=token), 400, "invalid_id"),
        (api.get("/contacts?limit=0", token=token), 422, "validation_error"),
        (api.get("/contacts?cursor=%%%", token=token), 422, "validation_error"),
        (api.patch("/contacts/01M80A45J90JMESM0AR82N1PFF", {}, token=token), 422, "validation_error"),
    ]
    for reply, status, code in malformed:
        assert reply.status == status and reply.body["error"]["code"] == code, reply
        assert set(reply.body["error"]) == {"code", "message", "details"}
    assert len(_items(table)) == before


def test_contact_events_consumer_counts_once_per_event(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    from tests.support.apps import load_module

    token = owner["access_token"]
    api.post("/contacts", ADA, token=token)
    api.post("/contacts", {"first_name": "Bob", "source": "import"}, token=token)
    events = receive_events(cloud)
    batch = {"Records": [{"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": json.dumps(e), "attributes": {},
                          "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                          "eventSourceARN": cloud.resources["ContactEventsQueue"].arn, "awsRegion": "us-east-1"}
                         for i, e in enumerate(events)]}
    module = load_module("functions/contacts")
    # When the same batch is delivered twice (at-least-once delivery)
    assert module.on_contact_event(batch, None) == {"batchItemFailures": []}
    assert module.on_contact_event(batch, None) == {"batchItemFailures": []}
    # Then each contact is counted once
    workspace = api.get("/workspace", token=token).body
    assert workspace["contacts"] == {"total": 2, "by_source": {"web": 1, "import": 1}}


def test_a_bad_record_fails_alone(cloud: Any) -> None:
    from tests.support.apps import load_module

    sample = json.loads((ROOT / "events" / "sqs" / "contact_events_batch.json").read_text())
    broken = {**sample["Records"][0], "messageId": "broken", "body": "{not json"}
    result = load_module("functions/contacts").on_contact_event({"Records": [sample["Records"][0], broken]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "broken"}]}


def test_outbox_publisher_sends_what_was_left_pending(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    from tests.support.apps import load_module

    # Given an activity item whose event never reached the bus (e.g. a crash right after commit)
    token = owner["access_token"]
    contact = api.post("/contacts", ADA, token=token).body
    receive_events(cloud)
    table = cloud.resources["CrmTable"].name
    ddb = boto3.client("dynamodb")
    item = next(i for i in _items(table) if i.get("type", {}).get("S") == "contact.created")
    # (pending for a minute: younger entries are left to the request that is publishing them)
    from leadpilot.ids import id_floor

    a_minute_ago = id_floor((int(time.time()) - 60) * 1000)
    ddb.update_item(TableName=table, Key={"PK": item["PK"], "SK": item["SK"]},
                    UpdateExpression="SET GSI1PK = :o, GSI1SK = :id",
                    ExpressionAttributeValues={":o": {"S": "OUTBOX"}, ":id": {"S": a_minute_ago}})
    # When the scheduled publisher runs
    scheduled = json.loads((ROOT / "events" / "schedule" / "outbox_every_minute.json").read_text())
    result = load_module("functions/contacts").publish_outbox(scheduled, None)
    # Then the event is delivered and the outbox is empty
    assert result == {"published": 1}
    events = receive_events(cloud)
    assert [e["detail"]["data"]["id"] for e in events] == [contact["id"]]
    assert load_module("functions/contacts").publish_outbox(scheduled, None) == {"published": 0}



def test_batch_create_isolates_a_conflicting_row(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    from leadpilot.contacts import service
    from leadpilot.errors import Conflict, ValidationFailed
    from leadpilot.jobs.runner import acting_as
    from leadpilot.settings import get_settings

    # Given an existing contact whose email one of the new rows repeats
    token = owner["access_token"]
    taken = api.post("/contacts", {"first_name": "Old", "email": "taken@example.com"}, token=token).body
    identity = acting_as(owner["workspace"]["id"], owner["user"]["id"])
    bodies = [{"first_name": f"N{i}", "email": f"n{i}@example.com"} for i in range(10)]
    bodies[4] = {"first_name": "Clash", "email": "taken@example.com"}
    bodies[7] = {"first_name": "Bad", "email": "nope"}
    # When they are created as one batch
    results = service.create_contacts(get_settings(), identity, bodies)
    # Then only the two bad rows failed, each with its reason, and the rest exist
    assert isinstance(results[4], Conflict) and results[4].details["existing_contact_id"] == taken["id"]
    assert isinstance(results[7], ValidationFailed)
    created = [r for r in results if not isinstance(r, Exception)]
    assert len(created) == 8
    listed = {c["id"] for c in api.get("/contacts?limit=50", token=token).body["items"]}
    assert {c.id for c in created} <= listed and len(listed) == 9
