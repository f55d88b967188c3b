"""The local cloud's shortcuts in moto (infra/local/moto_main.py) answer exactly what moto itself answers."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import jsonpath_ng.ext
import pytest
from moto.dynamodb.responses import DynamoResult

ITEM = {"pk": {"S": "W#1"}, "sk": {"S": "C#1"}, "n": {"N": "12.50"}, "b": {"B": b"\x00\xffbinary"},
        "bs": {"BS": [b"one", b"\x01two"]}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
        "flag": {"BOOL": False}, "nothing": {"NULL": True}, "text": {"S": "Zoë 🎉 \"quoted\""},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "-3"}, {"M": {}}, {"B": b"in a list"}]}}}, "l": {"L": []}}


@pytest.fixture
def both_answers(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any, Any]]]:
    """Each DynamoDB answer of the test, as the shortcut wrote it and as moto's shape walk writes it."""
    seen: list[tuple[str, Any, Any]] = []
    fast = DynamoResult.execute_result

    def record(self: Any, context: Any) -> Any:
        answer = fast(self, context)
        seen.append((context.operation_model.name, answer, fast.shape_walk(self, context)))  # type: ignore[attr-defined]
        return answer

    monkeypatch.setattr(DynamoResult, "execute_result", record)
    yield seen


def test_item_answers_are_the_ones_moto_writes_binary_sets_and_nesting_included(
        both_answers: list[tuple[str, Any, Any]]) -> None:
    # Given a table and an item holding every attribute type
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName="shapes", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])
    key = {"pk": ITEM["pk"], "sk": ITEM["sk"]}
    # When every item operation runs against it, read and write, with and without returned values
    client.put_item(TableName="shapes", Item=ITEM, ReturnConsumedCapacity="TOTAL")
    client.put_item(TableName="shapes", Item={**ITEM, "sk": {"S": "C#2"}}, ReturnValues="ALL_OLD")
    got = client.get_item(TableName="shapes", Key=key)["Item"]
    client.get_item(TableName="shapes", Key={**key, "sk": {"S": "missing"}})
    client.update_item(TableName="shapes", Key=key, UpdateExpression="SET n = n + :one",
                       ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
    client.query(TableName="shapes", KeyConditionExpression="pk = :pk", Limit=1,
                 ExpressionAttributeValues={":pk": ITEM["pk"]}, ReturnConsumedCapacity="INDEXES")
    client.scan(TableName="shapes", ProjectionExpression="b, m.inner")
    client.batch_get_item(RequestItems={"shapes": {"Keys": [key, {**key, "sk": {"S": "C#2"}}]}})
    client.transact_get_items(TransactItems=[{"Get": {"TableName": "shapes", "Key": key}}])
    client.transact_write_items(TransactItems=[{"Update": {"TableName": "shapes", "Key": key,
                                                           "UpdateExpression": "REMOVE l"}}])
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[{"ConditionCheck": {
            "TableName": "shapes", "Key": key, "ConditionExpression": "attribute_not_exists(pk)"}}])
    client.batch_write_item(RequestItems={"shapes": [{"DeleteRequest": {"Key": {**key, "sk": {"S": "C#2"}}}}]})
    client.delete_item(TableName="shapes", Key=key, ReturnValues="ALL_OLD")

    # Then the client read the item back as it was written
    assert got == ITEM
    # And each answer is, as JSON, the one moto's own serializer writes, with the same status
    operations = {name for name, _, _ in both_answers}
    assert {"PutItem", "GetItem", "UpdateItem", "Query", "Scan", "BatchGetItem", "TransactGetItems",
            "DeleteItem", "CreateTable"} <= operations, operations  # the writes of many items answer in moto's way
    for name, (status, headers, body), (moto_status, moto_headers, moto_body) in both_answers:
        assert (name, status, json.loads(body)) == (name, moto_status, json.loads(moto_body))
        assert headers["Content-Type"] == moto_headers["Content-Type"], name


def test_an_update_expression_is_parsed_once_and_each_item_is_updated_on_its_own(cloud: Any) -> None:
    # Given a table, and the local cloud's moto parsing each UpdateExpression text once
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName="counts", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    add = {"TableName": "counts", "UpdateExpression": "ADD #n :one SET #k = :kind",
           "ExpressionAttributeNames": {"#n": "n", "#k": "kind"}}
    # When the same text updates two items, with other values, and in a transaction
    for pk, kind in (("a", "first"), ("a", "again"), ("b", "other")):
        client.update_item(**add, Key={"pk": {"S": pk}},
                           ExpressionAttributeValues={":one": {"N": "1"}, ":kind": {"S": kind}})
    client.transact_write_items(TransactItems=[{"Update": {
        **add, "Key": {"pk": {"S": "b"}}, "ExpressionAttributeValues": {":one": {"N": "5"}, ":kind": {"S": "tx"}}}}])
    # Then each item holds its own values: the cached tree carried none of an earlier call's values
    items = {i["pk"]["S"]: i for i in client.scan(TableName="counts")["Items"]}
    assert (items["a"]["n"], items["a"]["kind"]) == ({"N": "2"}, {"S": "again"})
    assert (items["b"]["n"], items["b"]["kind"]) == ({"N": "6"}, {"S": "tx"})
    # And a text that does not parse is refused every time it is sent, not only the first
    for _ in range(2):
        with pytest.raises(client.exceptions.ClientError, match="Invalid UpdateExpression"):
            client.update_item(TableName="counts", Key={"pk": {"S": "a"}}, UpdateExpression="SET = oops")


def test_a_parsed_event_path_is_reused_and_finds_what_a_fresh_parse_finds(cloud: Any) -> None:
    # Given EventBridge's parse of JSONPath expressions, as the local cloud's moto has it
    event = {"detail": {"contact": {"id": "C1", "tags": ["a", "b"]}}, "source": "leadpilot.contacts"}
    # When one path is parsed twice
    first, again = jsonpath_ng.ext.parse("$.detail.contact.id"), jsonpath_ng.ext.parse("$.detail.contact.id")
    # Then the second parse is the first one, and it still finds the value in each event it is given
    assert first is again
    assert [m.value for m in first.find(event)] == ["C1"]
    assert [m.value for m in again.find({"detail": {"contact": {"id": "C2"}}})] == ["C2"]


def test_every_answer_still_carries_a_request_id_of_its_own(cloud: Any) -> None:
    # Given the local cloud's moto / When two calls are answered
    client = boto3.client("sqs", region_name="us-east-1")
    ids = [client.list_queues()["ResponseMetadata"]["RequestId"] for _ in range(2)]
    # Then each has its own id, in AWS's long form (52 letters and digits)
    assert ids[0] != ids[1] and all(len(i) == 52 and i.isalnum() for i in ids), ids
