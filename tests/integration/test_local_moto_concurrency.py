"""The local cloud's moto server stays correct under concurrent DynamoDB writers."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.moto_server import MotoServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    data: Path = tmp_path_factory.mktemp("moto")
    server = MotoServer(data / "moto.log", data / "moto.pid")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ddb(server: MotoServer) -> object:
    client = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="t", aws_secret_access_key="t")
    client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}])
    return client


def _txn(client: object, i: int) -> str:
    try:
        client.transact_write_items(TransactItems=[  # type: ignore[attr-defined]
            {"Put": {"TableName": "t", "Item": {"PK": {"S": f"item{i}"}}}},
            {"Update": {"TableName": "t", "Key": {"PK": {"S": "counter"}}, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            # every third transaction is cancelled by its condition
            {"ConditionCheck": {"TableName": "t", "Key": {"PK": {"S": "gate"}},
                                "ConditionExpression": "attribute_exists(PK)" if i % 3 == 0
                                else "attribute_not_exists(PK)"}},
        ])
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return "ok"


def test_concurrent_transactions_neither_fail_nor_lose_writes(ddb: object) -> None:
    # Given 8 clients running 120 transactions at once, a third of which are cancelled
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda i: _txn(ddb, i), range(120)))
    # Then none failed for a server reason, and exactly the committed ones took effect
    assert set(outcomes) == {"ok", "TransactionCanceledException"}, outcomes
    committed = outcomes.count("ok")
    assert committed == 80
    counter = ddb.get_item(TableName="t", Key={"PK": {"S": "counter"}})["Item"]["n"]["N"]  # type: ignore[attr-defined]
    assert int(counter) == committed
    items = ddb.scan(TableName="t")["Items"]  # type: ignore[attr-defined]
    assert len([i for i in items if i["PK"]["S"].startswith("item")]) == committed


def test_the_log_keeps_no_line_per_request(server: MotoServer, ddb: object) -> None:
    # Given a server that has answered a few hundred requests (the test above, and these)
    for _ in range(20):
        ddb.get_item(TableName="t", Key={"PK": {"S": "counter"}})  # type: ignore[attr-defined]
    # Then its log holds none of them (werkzeug's request lines), only what is worth reading
    assert "HTTP/1.1" not in server.log_path.read_text()
