"""What LeadPilot relies on from DynamoDB, checked on AWS's DynamoDB Local (the local cloud's database).

The rest of the integration suite runs on in-process moto, which is more lenient than DynamoDB; these tests run the
same kinds of calls, and a few of our own domain operations, against DynamoDB Local, so a difference shows up here.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import leadpilot
from infra.local.dynamodb_local import DynamoDBLocal
from infra.local.model import Deployment
from infra.local.provision import provision
from leadpilot.db import base
from tests.integration.conftest import function_environment
from tests.support.apps import TEMPLATE, Api

# One worker runs them all, against one DynamoDB Local (a JVM start costs about 3 CPU-s).
pytestmark = pytest.mark.xdist_group("dynamodb-local")
_AWS_ENV = {"AWS_ACCESS_KEY_ID": "conformance", "AWS_SECRET_ACCESS_KEY": "conformance",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
_names = itertools.count()


@pytest.fixture(scope="module")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoDBLocal]:
    """One DynamoDB Local, in memory, on a free port, for the module."""
    server = DynamoDBLocal(None, tmp_path_factory.mktemp("dynamodb-local") / "dynamodb.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dynamodb(dynamodb_local: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 DynamoDB client of DynamoDB Local, and the environment pointing every client there."""
    for key, value in _AWS_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local.url)
    return boto3.client("dynamodb", region_name="us-east-1")


def _table(dynamodb: Any) -> str:
    """A new table with the key shape of ours (PK/SK, sparse GSI1 on GSI1PK/GSI1SK)."""
    name = f"conformance-{next(_names)}"
    strings = [{"AttributeName": key, "AttributeType": "S"} for key in ("PK", "SK", "GSI1PK", "GSI1SK")]
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=strings,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}])
    return name


def _item(pk: str, sk: str, **strings: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **{key: {"S": value} for key, value in strings.items()}}


def test_a_conditional_put_refuses_a_duplicate_and_returns_the_old_item(dynamodb: Any) -> None:
    # Given an item written with attribute_not_exists(PK)
    table = _table(dynamodb)
    first = _item("WS#1", "CONTACT#1", name="Ada")
    dynamodb.put_item(TableName=table, Item=first, ConditionExpression="attribute_not_exists(PK)")
    # When the same key is written again under the same condition, asking for the item that blocked it
    with pytest.raises(ClientError) as refused:
        dynamodb.put_item(TableName=table, Item=_item("WS#1", "CONTACT#1", name="Grace"),
                          ConditionExpression="attribute_not_exists(PK)",
                          ReturnValuesOnConditionCheckFailure="ALL_OLD")
    # Then it is refused as a failed condition, the old item is returned and kept
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert refused.value.response["Item"] == first
    assert dynamodb.get_item(TableName=table, Key=_item("WS#1", "CONTACT#1"))["Item"]["name"] == {"S": "Ada"}


def test_a_cancelled_transaction_names_the_failed_condition_and_writes_nothing(dynamodb: Any) -> None:
    # Given a counter and an existing claim
    table = _table(dynamodb)
    dynamodb.put_item(TableName=table, Item=_item("WS#1", "CLAIM#email#ada@example.com"))
    # When a transaction bumps the counter and claims the same email again
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": table, "Key": _item("WS#1", "COUNTER"), "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Put": {"TableName": table, "Item": _item("WS#1", "CLAIM#email#ada@example.com"),
                     "ConditionExpression": "attribute_not_exists(PK)"}}])
    # Then it is cancelled with one reason per item (the claim's condition failed), and the counter is untouched
    error = cancelled.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in error["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert "Item" not in dynamodb.get_item(TableName=table, Key=_item("WS#1", "COUNTER"))


def test_a_transaction_may_not_touch_one_item_twice(dynamodb: Any) -> None:
    # Given a table / When one transaction writes the same key twice (moto lets this through)
    table = _table(dynamodb)
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": _item("WS#1", "A")}},
            {"Update": {"TableName": table, "Key": _item("WS#1", "A"), "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "x"}}}}])
    # Then DynamoDB refuses the whole request
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Item" not in dynamodb.get_item(TableName=table, Key=_item("WS#1", "A"))


def test_the_sparse_gsi_holds_only_items_with_its_keys_in_sort_order(dynamodb: Any) -> None:
    # Given three items with GSI1 keys (written out of order) and one without
    table = _table(dynamodb)
    for sk, gsi_sk in (("C#2", "b"), ("C#1", "c"), ("C#3", "a")):
        dynamodb.put_item(TableName=table, Item=_item("WS#1", sk, GSI1PK="WS#1#EMAIL", GSI1SK=gsi_sk))
    dynamodb.put_item(TableName=table, Item=_item("WS#1", "C#4"))
    # When GSI1 is queried for the partition
    page = dynamodb.query(TableName=table, IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                          ExpressionAttributeValues={":p": {"S": "WS#1#EMAIL"}})
    # Then only the indexed items come back, ordered by GSI1SK
    assert [item["SK"]["S"] for item in page["Items"]] == ["C#3", "C#2", "C#1"]


def test_a_begins_with_query_pages_with_last_evaluated_key(dynamodb: Any) -> None:
    # Given 25 contacts and 5 other items in one partition
    table = _table(dynamodb)
    for start in range(0, 30, 10):
        items = [_item("WS#1", f"CONTACT#{n:03d}" if n < 25 else f"TAG#{n:03d}") for n in range(start, start + 10)]
        dynamodb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item}} for item in items]})
    # When a begins_with query is read 10 at a time, following LastEvaluatedKey
    pages, key = [], None
    while True:
        extra: dict[str, Any] = {"ExclusiveStartKey": key} if key else {}
        page = dynamodb.query(TableName=table, Limit=10, KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                              ExpressionAttributeValues={":p": {"S": "WS#1"}, ":s": {"S": "CONTACT#"}}, **extra)
        pages.append([item["SK"]["S"] for item in page["Items"]])
        key = page.get("LastEvaluatedKey")
        if not key:
            break
    # Then the pages hold 10, 10 and 5 contacts in key order, and the last page has no LastEvaluatedKey
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [sk for page in pages for sk in page] == [f"CONTACT#{n:03d}" for n in range(25)]


@pytest.fixture
def deployment(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """template.yaml provisioned as the local cloud does: DynamoDB on DynamoDB Local, the rest on moto."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        deployment = provision(TEMPLATE, {"Stage": "test", "JwtSecret": "c" * 64})
        with function_environment(monkeypatch, deployment):
            _forget_connections()
            try:
                yield deployment
            finally:
                _forget_connections()


def _forget_connections() -> None:
    """pynamodb keeps a connection per model and ours one for transactions: made again, they read the endpoint
    (this worker's other tests use the same table names on in-process moto)."""
    base._connection.cache_clear()
    models: list[type[Any]] = [base.TableModel]
    while models:
        model = models.pop()
        model._connection = None
        models.extend(model.__subclasses__())


def test_the_provisioned_tables_have_gsi1_and_ttl_on_expires_at(deployment: Deployment, dynamodb: Any) -> None:
    # Given template.yaml provisioned into DynamoDB Local / When its tables are described
    for logical_id in ("IdentityTable", "CrmTable"):
        name = deployment.tables[logical_id].name
        table = dynamodb.describe_table(TableName=name)["Table"]
        # Then GSI1 and the TTL attribute are those of the template
        assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["GSI1"]
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_signup_and_contacts_run_on_dynamodb_local(deployment: Deployment, dynamodb: Any) -> None:
    # Given a workspace signed up through the identity app (its transactions claim the email)
    api = Api()
    signup = {"workspace_name": "Conformance", "email": "owner@conformance.test", "password": "correct-horse-battery",
              "name": "Owner", "default_region": "US", "timezone": "America/New_York"}
    created = api.post("/auth/signup", signup)
    assert created.status in (201, 409), created  # the in-memory database lives as long as the module
    token = api.post("/auth/login", {"email": signup["email"], "password": signup["password"]}).body["access_token"]
    # When a contact is created, then the same email is created again
    email = f"ada{next(_names)}@example.com"
    saved = api.post("/contacts", {"first_name": "Ada", "email": email, "tags": ["vip"]}, token=token)
    duplicate = api.post("/contacts", {"first_name": "Ada", "email": email}, token=token)
    # Then the first is stored in DynamoDB Local and readable, listed and found by tag; the second is a 409
    assert saved.status == 201, saved
    assert api.get(f"/contacts/{saved.body['id']}", token=token).body["email"] == email
    listed = api.get("/contacts?tag=vip", token=token)
    assert saved.body["id"] in [item["id"] for item in listed.body["items"]], listed
    assert duplicate.status == 409, duplicate
    crm = deployment.tables["CrmTable"].name
    stored = dynamodb.scan(TableName=crm, FilterExpression="email = :e",
                           ExpressionAttributeValues={":e": {"S": email}})["Items"]
    assert len(stored) == 1 and stored[0]["kind"] == {"S": "contact"}, stored

    # When every capability's models are loaded in one process (more kinds than one DynamoDB IN may name) and the
    # table's base model reads the contact's partition (as "any item of this key" lookups do)
    for module in pkgutil.walk_packages(leadpilot.__path__, "leadpilot."):
        importlib.import_module(module.name)
    kinds = base.CrmModel._get_discriminator_attribute().get_registered_subclasses(base.CrmModel)  # type: ignore[union-attr]
    assert len(kinds) > 100
    found = list(base.CrmModel.query(stored[0]["PK"]["S"], stored[0]["SK"]["S"] == base.CrmModel.SK))
    # Then DynamoDB Local answers (no IN of every kind is sent) with the contact, as its own model
    assert [type(item).__name__ for item in found] == ["ContactItem"], found


def test_no_web_page_may_call_the_database_from_a_browser(dynamodb_local: DynamoDBLocal) -> None:
    # Given DynamoDB Local as the local cloud starts it (it accepts any credentials)
    import urllib.request

    # When a page from another origin asks the browser's CORS preflight to send it a request
    preflight = urllib.request.Request(dynamodb_local.url, method="OPTIONS", headers={
        "Origin": "http://attacker.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-amz-target"})
    with urllib.request.urlopen(preflight, timeout=10) as answer:
        allowed = answer.headers.get("Access-Control-Allow-Origin")

    # Then the browser is not allowed to send it (DynamoDB Local's default would be "*")
    assert allowed not in ("*", "http://attacker.example"), allowed
