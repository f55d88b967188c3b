"""The AWS calls each contacts route makes, and the per-process cache of the custom-field definitions.

Calls are counted with a botocore event hook (`before-call`) on every client: the live ones and any created
while counting, so nothing of ours is patched.
"""
from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import botocore.handlers
import pytest

from tests.support.apps import Api


@contextmanager
def aws_calls() -> Iterator[list[str]]:
    """Every AWS call made inside the block, as "service.Operation"."""
    calls: list[str] = []

    def hook(model: Any, **_: Any) -> None:
        calls.append(f"{model.service_model.service_name}.{model.name}")

    for client in _clients():
        client.meta.events.register("before-call", hook)
    botocore.handlers.BUILTIN_HANDLERS.append(("before-call", hook))  # clients created inside the block
    try:
        yield calls
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(("before-call", hook))
        for client in _clients():
            client.meta.events.unregister("before-call", hook)


def _clients() -> list[botocore.client.BaseClient]:
    return [c for c in gc.get_objects() if isinstance(c, botocore.client.BaseClient)]


def _dynamodb(calls: list[str]) -> list[str]:
    return [c.split(".", 1)[1] for c in calls if c.startswith("dynamodb.")]




def _contact(api: Api, token: str, n: int) -> str:
    reply = api.post("/contacts", {"first_name": f"C{n}", "email": f"c{n}@calls.test", "phone": f"+141555501{n:02d}"},
                     token=token)
    assert reply.status == 201, reply
    return str(reply.body["id"])


@pytest.mark.usefixtures("rate_limits")  # the calls counted include the request's rate count
def test_the_contact_routes_make_only_the_calls_they_need(api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace whose configuration this process has read once
    token = owner["access_token"]
    _contact(api, token, 1)
    # When a contact is created, read and listed
    with aws_calls() as create:
        contact_id = _contact(api, token, 2)
    with aws_calls() as get:
        assert api.get(f"/contacts/{contact_id}", token=token).status == 200
    with aws_calls() as listed:
        assert len(api.get("/contacts?limit=50", token=token).body["items"]) == 2
    # Then each makes the caller's BatchGetItem (which also reads the configuration's version, so the cached copy
    # is checked for free) and rate-limit UpdateItem, and its own reads and writes; a read route counts its request
    # while it reads, so their order is not fixed
    assert _dynamodb(create) == ["BatchGetItem", "UpdateItem", "TransactWriteItems", "UpdateItem"], create
    assert "events.PutEvents" in create
    assert sorted(_dynamodb(get)) == ["BatchGetItem", "GetItem", "UpdateItem"], get
    assert sorted(_dynamodb(listed)) == ["BatchGetItem", "Query", "UpdateItem"], listed


def test_a_definition_added_or_deleted_is_seen_by_the_next_request(api: Api, owner: dict[str, Any]) -> None:
    # Given a contact read once (the definitions are cached) and a value refused for an unknown field
    token = owner["access_token"]
    contact_id = _contact(api, token, 3)
    assert api.get(f"/contacts/{contact_id}", token=token).body["custom_fields"] == {}
    assert api.post("/contacts", {"first_name": "X", "custom_fields": {"plan": "gold"}}, token=token).status == 422
    # When the field is defined
    assert api.post("/contact-fields", {"key": "plan", "label": "Plan", "type": "text"}, token=token).status == 201
    # Then the next requests accept and show it
    reply = api.call("PATCH", f"/contacts/{contact_id}", {"custom_fields": {"plan": "gold"}}, token=token)
    assert reply.status == 200 and reply.body["custom_fields"] == {"plan": "gold"}, reply
    assert api.get(f"/contacts/{contact_id}", token=token).body["custom_fields"] == {"plan": "gold"}
    # When it is deleted
    assert api.call("DELETE", "/contact-fields/plan", token=token).status == 204
    # Then the next requests neither show nor accept it
    assert api.get(f"/contacts/{contact_id}", token=token).body["custom_fields"] == {}
    assert [c["custom_fields"] for c in api.get("/contacts", token=token).body["items"]] == [{}]
    reply = api.post("/contacts", {"first_name": "Y", "custom_fields": {"plan": "gold"}}, token=token)
    assert reply.status == 422, reply


def test_a_change_made_by_another_process_is_seen(api: Api, owner: dict[str, Any]) -> None:
    # Given definitions cached by this process
    token = owner["access_token"]
    contact_id = _contact(api, token, 4)
    assert api.post("/contact-fields", {"key": "seats", "label": "Seats", "type": "number"}, token=token).status == 201
    api.call("PATCH", f"/contacts/{contact_id}", {"custom_fields": {"seats": 3}}, token=token)
    assert api.get(f"/contacts/{contact_id}", token=token).body["custom_fields"] == {"seats": 3}
    # When another instance deletes the field (its writes reach the table, not this process's cache)
    import boto3

    table = os.environ["CRM_TABLE"]
    ws = owner["workspace"]["id"]
    ddb = boto3.client("dynamodb")
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": {"PK": {"S": f"WS#{ws}#CONTACT_FIELDS"}, "SK": {"S": "FIELD#seats"}},
                    "UpdateExpression": "SET #s = :d", "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":d": {"S": "deleted"}}}},
        {"Update": {"TableName": os.environ["IDENTITY_TABLE"],
                    "Key": {"PK": {"S": f"WS#{ws}"}, "SK": {"S": "CONFIG_VERSIONS"}},
                    "UpdateExpression": "ADD contacts :one SET kind = :kind",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":kind": {"S": "config_versions"}}}}])
    # Then the next request here no longer shows it
    assert api.get(f"/contacts/{contact_id}", token=token).body["custom_fields"] == {}
