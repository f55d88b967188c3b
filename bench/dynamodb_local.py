"""The local cloud's DynamoDB, side by side: DynamoDB Local (the default) and moto's server (LEADPILOT_DYNAMODB=moto).

For each backend a LocalCloud starts (no seed) on a fresh data dir, the CRM table of template.yaml gets --items items
in one partition (a workspace's contacts, SK CONTACT#<n>), and then, each the median of --n calls through boto3:
  query       a begins_with Query returning 50 of them (a prefix search page),
  transaction a two-item conditional TransactWriteItems (claim a key with attribute_not_exists + ADD a counter),
  get         a GetItem.
Run: python -m bench.dynamodb_local [--items 20000] [--n 30] [--backends local,moto]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import boto3

from infra.local.cloud import LocalCloud

PARTITION = "WS#bench#CONTACTS"


def _median_ms(n: int, call: Callable[[int], Any]) -> float:
    timings = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _load(client: Any, table: str, items: int) -> float:
    started = time.perf_counter()
    for start in range(0, items, 25):
        batch = [{"PutRequest": {"Item": {"PK": {"S": PARTITION}, "SK": {"S": f"CONTACT#{n:06d}"},
                                          "kind": {"S": "contact"}, "first_name": {"S": f"Contact {n}"}}}}
                 for n in range(start, min(start + 25, items))]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return items / (time.perf_counter() - started)


def measure(backend: str, items: int, n: int) -> dict[str, float]:
    """Figures of one backend, on a local cloud of its own."""
    os.environ["LEADPILOT_DYNAMODB"] = backend
    with tempfile.TemporaryDirectory() as data_dir, LocalCloud(data_dir, port=0, seed=False) as cloud:
        assert cloud.deployment is not None
        table = cloud.deployment.tables["CrmTable"].name
        client = boto3.client("dynamodb", region_name=cloud.deployment.region)
        rate = _load(client, table, items)
        prefix = f"CONTACT#{items // 2:06d}"[:-2]  # 100 keys share it; the page holds 50

        def query(i: int) -> None:
            page = client.query(TableName=table, Limit=50, KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                                ExpressionAttributeValues={":p": {"S": PARTITION}, ":s": {"S": prefix}})
            assert page["Count"] == 50, page["Count"]

        def transaction(i: int) -> None:
            client.transact_write_items(TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": {"S": PARTITION}, "SK": {"S": f"CLAIM#{i}"}},
                         "ConditionExpression": "attribute_not_exists(PK)"}},
                {"Update": {"TableName": table, "Key": {"PK": {"S": PARTITION}, "SK": {"S": "COUNTER"}},
                            "UpdateExpression": "ADD contacts :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])

        def get(i: int) -> None:
            client.get_item(TableName=table, Key={"PK": {"S": PARTITION}, "SK": {"S": f"CONTACT#{i:06d}"}})

        return {"load items/s": rate, "query ms": _median_ms(n, query), "transaction ms": _median_ms(n, transaction),
                "get ms": _median_ms(n, get)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dynamodb_local", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items in the queried partition")
    parser.add_argument("--n", type=int, default=30, help="calls per figure (the median is printed)")
    parser.add_argument("--backends", default="local,moto", help="comma-separated: local, moto")
    args = parser.parse_args(argv)
    previous = os.environ.get("LEADPILOT_DYNAMODB")
    results = {}
    try:
        for backend in args.backends.split(","):
            results[backend] = measure(backend, args.items, args.n)
    finally:
        os.environ.pop("LEADPILOT_DYNAMODB", None)
        if previous is not None:
            os.environ["LEADPILOT_DYNAMODB"] = previous
    names = list(next(iter(results.values())))
    print(f"\nlocal cloud DynamoDB, {args.items:,} items in one partition, median of {args.n} calls")
    print(f"{'':16}" + "".join(f"{backend:>12}" for backend in results))
    for name in names:
        print(f"{name:16}" + "".join(f"{figures[name]:12.1f}" for figures in results.values()))


if __name__ == "__main__":
    main()
