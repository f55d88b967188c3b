"""Custom contact fields: definitions managed by admins, values validated on contacts."""
from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from leadpilot.settings import get_settings
from tests.support.apps import Api

FIELDS = [
    {"key": "plan", "label": "Plan", "type": "single_select", "options": ["free", "gold"]},
    {"key": "seats", "label": "Seats", "type": "number"},
    {"key": "renewal", "label": "Renewal", "type": "date"},
    {"key": "trial", "label": "Trial", "type": "boolean"},
    {"key": "langs", "label": "Languages", "type": "multi_select", "options": ["en", "fr", "de"]},
    {"key": "site", "label": "Site", "type": "url"},
    {"key": "billing_email", "label": "Billing email", "type": "email"},
    {"key": "mobile", "label": "Mobile", "type": "phone"},
    {"key": "notes", "label": "Notes", "type": "text"},
]


def _define(api: Api, token: str) -> None:
    for body in FIELDS:
        reply = api.post("/contact-fields", body, token=token)
        assert reply.status == 201, reply


def _errors(reply: Any) -> list[str]:
    return [e["field"] for e in reply.body["error"]["details"]["errors"]]


def test_values_are_validated_and_normalised_against_the_definitions(api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with one field of every type
    token = owner["access_token"]
    _define(api, token)
    assert [f["key"] for f in api.get("/contact-fields", token=token).body["items"]] == sorted(f["key"] for f in FIELDS)
    # When a contact is created with a value for each
    values = {"plan": "gold", "seats": 12, "renewal": "2027-01-31", "trial": False, "langs": ["fr", "en", "fr"],
              "site": "https://ada.example", "billing_email": " Billing@Ada.Example ", "mobile": "(415) 555-0199",
              "notes": "  likes tea "}
    reply = api.post("/contacts", {"first_name": "Ada", "custom_fields": values}, token=token)
    # Then they are stored normalised like the base fields
    assert reply.status == 201, reply
    assert reply.body["custom_fields"] == {**values, "langs": ["fr", "en"], "billing_email": "billing@ada.example",
                                           "mobile": "+14155550199", "notes": "likes tea"}


def test_unknown_or_mistyped_values_are_422_naming_the_key(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    _define(api, token)
    cases = [({"nickname": "x"}, "custom_fields/nickname"), ({"seats": "12"}, "custom_fields/seats"),
             ({"seats": True}, "custom_fields/seats"), ({"renewal": "31/01/2027"}, "custom_fields/renewal"),
             ({"trial": "yes"}, "custom_fields/trial"), ({"plan": "platinum"}, "custom_fields/plan"),
             ({"langs": ["es"]}, "custom_fields/langs"), ({"site": "ftp://x"}, "custom_fields/site"),
             ({"billing_email": "nope"}, "custom_fields/billing_email"), ({"mobile": "12"}, "custom_fields/mobile")]
    for values, field in cases:
        # When a contact carries a bad value
        reply = api.post("/contacts", {"first_name": "A", "custom_fields": values}, token=token)
        # Then it is refused naming custom_fields/<key>
        assert reply.status == 422 and field in _errors(reply), (values, reply)
    assert api.get("/contacts", token=token).body["items"] == []


def test_required_fields_and_partial_updates(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "text", "required": True}, token=token)
    api.post("/contact-fields", {"key": "seats", "label": "Seats", "type": "number"}, token=token)
    # A required field must be given on create
    missing = api.post("/contacts", {"first_name": "A"}, token=token)
    assert missing.status == 422 and _errors(missing) == ["custom_fields/plan"]
    contact = api.post("/contacts", {"first_name": "A", "custom_fields": {"plan": "pro", "seats": 3}},
                       token=token).body
    # When one custom field is updated, the others stay; null clears an optional one, not a required one
    reply = api.patch(f"/contacts/{contact['id']}", {"custom_fields": {"seats": None}}, token=token)
    assert reply.status == 200 and reply.body["custom_fields"] == {"plan": "pro"}
    refused = api.patch(f"/contacts/{contact['id']}", {"custom_fields": {"plan": None}}, token=token)
    assert refused.status == 422 and _errors(refused) == ["custom_fields/plan"]
    # And the change is reported per key on the timeline
    updated = api.get(f"/contacts/{contact['id']}/timeline?types=contact.updated", token=token).body["items"][0]
    assert updated["changes"] == {"custom_fields": {"from": {"seats": 3}, "to": {"seats": None}}}


def test_deleted_definition_is_refused_hidden_and_restorable(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "text"}, token=token)
    contact = api.post("/contacts", {"first_name": "A", "custom_fields": {"plan": "pro"}}, token=token).body
    # When the definition is deleted
    assert api.delete("/contact-fields/plan", token=token).status == 204
    # Then the key is no longer accepted nor shown, but the value is kept (and exported)
    assert api.patch(f"/contacts/{contact['id']}", {"custom_fields": {"plan": "x"}}, token=token).status == 422
    assert api.get(f"/contacts/{contact['id']}", token=token).body["custom_fields"] == {}
    export = api.get(f"/contacts/{contact['id']}/export", token=token).body
    assert export["custom_fields_of_deleted_definitions"] == {"plan": "pro"}
    # And re-creating it with another type is refused, with the same type restores the values
    assert api.post("/contact-fields", {"key": "plan", "label": "P", "type": "number"}, token=token).status == 409
    assert api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "text"}, token=token).status == 201
    assert api.get(f"/contacts/{contact['id']}", token=token).body["custom_fields"] == {"plan": "pro"}


def test_only_owners_and_admins_manage_definitions(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    key = api.post("/workspace/api-keys", {"name": "k", "scopes": ["read", "write"]}, token=token).body["key"]
    reply = api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "text"}, token=key)
    assert reply.status == 403
    assert api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "single_select"},
                    token=token).status == 422  # options are required for a select
    assert api.patch("/contact-fields/nothing", {"label": "x"}, token=token).status == 404
    assert api.get("/contact-fields", token=key).status == 200


@pytest.mark.usefixtures("rate_limits")  # the calls counted include the request's rate count
def test_routes_check_their_cached_definitions_with_the_caller_and_see_another_instances_change(
        api: Api, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a contact, read once, so this process holds the workspace's definitions (none yet)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    contact = api.post("/contacts", {"first_name": "Ada"}, token=token).body
    assert api.patch(f"/contacts/{contact['id']}", {"custom_fields": {"tier": "gold"}}, token=token).status == 422
    calls: list[str] = []
    make_call = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return make_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    # When the contact is read again
    assert api.get(f"/contacts/{contact['id']}", token=token).status == 200
    # Then the copy is checked by the caller's own read: the caller's BatchGetItem, the rate count, the contact
    assert sorted(calls) == ["BatchGetItem", "GetItem", "UpdateItem"]

    # When another Lambda instance adds a definition: the item and the version counter in one transaction, as
    # every change lands, with nothing of this process's copy touched
    settings = get_settings()
    now = "2026-01-01T00:00:00Z"
    boto3.client("dynamodb").transact_write_items(TransactItems=[
        {"Put": {"TableName": settings.crm_table, "Item": {
            "PK": {"S": f"WS#{ws}#CONTACT_FIELDS"}, "SK": {"S": "FIELD#tier"}, "kind": {"S": "contact_field"},
            "key": {"S": "tier"}, "label": {"S": "Tier"}, "type": {"S": "text"}, "options": {"L": []},
            "required": {"BOOL": False}, "status": {"S": "active"}, "created_at": {"S": now},
            "updated_at": {"S": now}}}},
        {"Update": {"TableName": settings.identity_table, "Key": {"PK": {"S": f"WS#{ws}"},
                                                                  "SK": {"S": "CONFIG_VERSIONS"}},
                    "UpdateExpression": "ADD contacts :one SET kind = :kind",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":kind": {"S": "config_versions"}}}}])
    # Then the very next request here accepts and shows the new field
    reply = api.patch(f"/contacts/{contact['id']}", {"custom_fields": {"tier": "gold"}}, token=token)
    assert reply.status == 200 and reply.body["custom_fields"] == {"tier": "gold"}
    assert api.get(f"/contacts/{contact['id']}", token=token).body["custom_fields"] == {"tier": "gold"}
