"""The local cloud's shortcuts in moto (infra/local/moto_main.py) answer exactly what moto itself answers."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import jsonpath_ng.ext
import pytest
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.responses import DynamoResult

ITEM = {"pk": {"S": "W#1"}, "sk": {"S": "C#1"}, "n": {"N": "12.50"}, "b": {"B": b"\x00\xffbinary"},
        "bs": {"BS": [b"one", b"\x01two"]}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
        "flag": {"BOOL": False}, "nothing": {"NULL": True}, "text": {"S": "Zoë 🎉 \"quoted\""},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "-3"}, {"M": {}}, {"B": b"in a list"}]}}}, "l": {"L": []}}


def _pk_table(name: str) -> Any:
    """A DynamoDB client, with a table `name` keyed by the string `pk` alone."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return client


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
    client = _pk_table("counts")
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


# (update expression, names, values, condition): each applied to the same starting item by both paths
_SEED = {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1.50"}, "s": {"S": "text"}, "gone": {"S": "x"},
         "tags": {"SS": ["x"]}, "m": {"M": {"x": {"N": "1"}}}}
_UPDATES: list[tuple[str, dict[str, str], dict[str, Any], str | None]] = [
    ("SET #a = :s, #b = :n", {"#a": "a", "#b": "b"}, {":s": {"S": "new"}, ":n": {"N": "7"}}, None),
    ("ADD #n :one", {"#n": "n"}, {":one": {"N": "1"}}, None),
    ("ADD #n :one", {"#n": "fresh"}, {":one": {"N": "-2.25"}}, None),
    ("ADD #n :one", {"#n": "s"}, {":one": {"N": "1"}}, None),  # ADD to a string: refused
    ("ADD #t :more", {"#t": "tags"}, {":more": {"SS": ["y"]}}, None),  # a set: moto's own path
    ("ADD #n :word", {"#n": "n"}, {":word": {"S": "w"}}, None),  # ADD of a string: refused
    ("REMOVE #g, #nothing", {"#g": "gone", "#nothing": "nothing"}, {}, None),
    ("SET #k = :v", {"#k": "sk"}, {":v": {"S": "2"}}, None),  # a key attribute: refused
    ("SET #g = :n", {"#g": "g"}, {":n": {"N": "3"}}, None),  # the index key's declared type is S
    ("SET #g = :e", {"#g": "g"}, {":e": {"S": ""}}, None),  # an index key set to ""
    ("SET #g = :v", {"#g": "g"}, {":v": {"S": "indexed"}}, None),
    ("SET #a = :v, #b = :v", {"#a": "a", "#b": "a"}, {":v": {"S": "v"}}, None),  # one attribute twice: refused
    ("SET #a = :missing", {"#a": "a"}, {":v": {"S": "v"}}, None),  # undefined value: refused
    ("SET #missing = :v", {"#a": "a"}, {":v": {"S": "v"}}, None),  # undefined name: refused
    ("SET #a = :v REMOVE #s ADD #n :one", {"#a": "a", "#s": "s", "#n": "n"}, {":v": {"L": []}, ":one": {"N": "1"}},
     None),
    ("SET #a = :v", {"#a": "a"}, {":v": {"S": "v"}}, "attribute_not_exists(#a)"),
    ("SET #a = :v", {"#a": "s"}, {":v": {"S": "v"}}, "attribute_not_exists(#a)"),  # condition fails
    ("SET #m.#x = :v", {"#m": "m", "#x": "x"}, {":v": {"N": "2"}}, None),  # a nested path: moto's own path
    ("SET #a = :big", {"#a": "a"}, {":big": {"S": "x" * 410_000}}, None),  # past 400 KB: refused
    ("SET #a = if_not_exists(#a, :v)", {"#a": "n"}, {":v": {"N": "0"}}, None),  # a function: moto's own path
]


def _outcome(client: Any, table: str, update: tuple[str, dict[str, str], dict[str, Any], str | None]) -> Any:
    expression, names, values, condition = update
    client.put_item(TableName=table, Item=_SEED)
    call = {"TableName": table, "Key": {"pk": _SEED["pk"], "sk": _SEED["sk"]}, "UpdateExpression": expression,
            "ExpressionAttributeNames": names, "ReturnValues": "ALL_NEW"}
    if values:
        call["ExpressionAttributeValues"] = values
    if condition:
        call["ConditionExpression"] = condition
    try:
        answer = client.update_item(**call)["Attributes"]
    except client.exceptions.ClientError as error:
        answer = (error.response["Error"]["Code"], error.response["Error"]["Message"])
    return answer, client.get_item(TableName=table, Key=call["Key"]).get("Item")


def test_a_plain_update_answers_and_stores_exactly_what_moto_own_validator_does(
        cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a table with an index, and each update from the same item
    from infra.local import moto_main

    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName="plain", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
                        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g",
                                                                                   "KeyType": "HASH"}],
                                                 "Projection": {"ProjectionType": "ALL"}}])
    # When each is applied by the fast path, then by moto's validator and executor alone
    plain: list[Any] = []
    real = moto_main._plain_actions

    def recorded(tree: Any) -> Any:
        plain.append(real(tree))
        return plain[-1]

    monkeypatch.setattr(moto_main, "_plain_actions", recorded)
    fast = [_outcome(client, "plain", update) for update in _UPDATES]
    monkeypatch.setattr(moto_main, "_plain_actions", lambda tree: None)
    slow = [_outcome(client, "plain", update) for update in _UPDATES]

    # Then both answered the same (the same item, or the same error) and left the same item behind
    for update, one, other in zip(_UPDATES, fast, slow, strict=True):
        assert one == other, update[0]
    assert sum(isinstance(answer, tuple) for answer, _ in fast) == 8, fast  # the refusals were refusals
    # And most of them were read as plain actions (the others: a set, a nested path, a function)
    assert sum(found is not None for found in plain) >= 14, plain


def test_a_condition_text_lexed_once_is_judged_with_each_call_own_names_and_values(cloud: Any) -> None:
    # Given items, and the local cloud's moto lexing each condition text once
    client = _pk_table("judged")
    for pk, n in (("a", "1"), ("b", "5")):
        client.put_item(TableName="judged", Item={"pk": {"S": pk}, "n": {"N": n}, "s": {"S": pk * 2}})
    condition = "#f > :v AND attribute_exists(#g)"

    # When one text guards updates and filters a scan with other names and values each time
    def guarded(pk: str, field: str, value: str) -> bool:
        try:
            client.update_item(TableName="judged", Key={"pk": {"S": pk}}, UpdateExpression="SET #k = :k",
                               ConditionExpression=condition, ExpressionAttributeNames={"#f": field, "#g": "pk",
                                                                                        "#k": "seen"},
                               ExpressionAttributeValues={":v": {"N": value} if field == "n" else {"S": value},
                                                          ":k": {"BOOL": True}})
            return True
        except client.exceptions.ConditionalCheckFailedException:
            return False

    outcomes = [guarded("a", "n", "0"), guarded("a", "n", "3"), guarded("b", "n", "3"), guarded("b", "s", "c")]
    found = client.scan(TableName="judged", FilterExpression=condition, ExpressionAttributeNames={"#f": "n",
                                                                                                  "#g": "seen"},
                        ExpressionAttributeValues={":v": {"N": "0"}})["Items"]

    # Then each call was judged on its own values (no earlier call's carried over)
    assert outcomes == [True, False, True, False]
    assert sorted(item["pk"]["S"] for item in found) == ["a", "b"]
    # And a text that does not lex is refused every time it is sent
    for _ in range(2):
        with pytest.raises(client.exceptions.ClientError):
            client.scan(TableName="judged", FilterExpression="#f ~ :v", ExpressionAttributeNames={"#f": "n"},
                        ExpressionAttributeValues={":v": {"N": "0"}})


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


def test_an_update_never_changes_an_item_while_another_request_reads_it(cloud: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an item, and a request whose handler is copying it (for ReturnValues) when another update arrives
    client = _pk_table("concurrent")
    client.put_item(TableName="concurrent", Item={"pk": {"S": "a"}, "n": {"N": "0"}})
    copying, other_done, seen_during_copy = threading.Event(), threading.Event(), []
    copy_item = Item.__deepcopy__

    def slow_copy(self: Any, memo: Any) -> Any:
        if threading.current_thread().name == "first" and not copying.is_set():
            copying.set()
            seen_during_copy.append(other_done.wait(timeout=1))  # does the other update land meanwhile?
        return copy_item(self, memo)

    monkeypatch.setattr(Item, "__deepcopy__", slow_copy)

    def update(tag: str) -> None:
        client.update_item(TableName="concurrent", Key={"pk": {"S": "a"}}, UpdateExpression="SET #t = :v",
                           ExpressionAttributeNames={"#t": tag}, ExpressionAttributeValues={":v": {"S": tag}},
                           ReturnValues="ALL_OLD")

    first = threading.Thread(target=update, args=("first",), name="first")
    first.start()
    assert copying.wait(timeout=10)
    second = threading.Thread(target=lambda: (update("second"), other_done.set()))
    second.start()
    first.join(timeout=10)
    second.join(timeout=10)
    # Then the second update waited for the first request to end, and both were applied
    assert seen_during_copy == [False]
    item = client.get_item(TableName="concurrent", Key={"pk": {"S": "a"}})["Item"]
    assert item["first"] == {"S": "first"} and item["second"] == {"S": "second"}


def test_an_item_is_sized_once_and_one_past_the_limit_is_still_refused(cloud: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a table, and every attribute's size computation counted
    client = _pk_table("sized")
    sized = DynamoType.size
    calls: list[int] = []
    monkeypatch.setattr(DynamoType, "size", lambda self: calls.append(1) or sized(self))
    # When an item of 60 attributes is written, and items just under and just past moto's limit
    wide = {"pk": {"S": "wide"}, **{f"a{n:02}": {"S": f"value {n}"} for n in range(59)}}
    client.put_item(TableName="sized", Item=wide)
    built = len(calls)
    under = {"pk": {"S": "under"}, **{f"p{n}": {"S": "x" * 40_000} for n in range(10)}}  # ~400 KB
    client.put_item(TableName="sized", Item=under)
    with pytest.raises(client.exceptions.ClientError) as past:
        client.put_item(TableName="sized", Item={**under, "pk": {"S": "past"}, "p10": {"S": "x" * 6_000}})
    # Then the wide item cost a size computation per attribute, not one per attribute already set (1,830)
    assert built <= 2 * len(wide), built
    # And it reads back whole, the item under the limit is kept, the one past it refused with moto's error
    assert client.get_item(TableName="sized", Key={"pk": {"S": "wide"}})["Item"] == wide
    assert len(client.get_item(TableName="sized", Key={"pk": {"S": "under"}})["Item"]) == 11
    assert past.value.response["Error"]["Message"] == "Item size has exceeded the maximum allowed size"
    assert "Item" not in client.get_item(TableName="sized", Key={"pk": {"S": "past"}})
