"""In-process moto's DynamoDB, the integration suite's database: CPU per call of a request's typical mix (a
conditional rate-count UpdateItem, a GetItem, a Query every fifth request) with moto as released; with the
local cloud's table fixes and UpdateExpression parse cache only (`parse-cache`: without plain updates applied
directly and condition tokens cached); with all of the local cloud's fixes (infra/local/moto_main.py); and with
those plus unsigned requests as the suite sends them (tests/integration/conftest.py). Each variant runs in a
fresh interpreter (the fixes patch moto for good); the figures are the median of --repeats runs, and the ratios
are to moto as released. This machine's CPU figures vary by up to a third between runs: compare variants of
one run.

Run: python -m bench.moto_calls [--calls 1500] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("released", "parse-cache", "local-cloud", "unsigned")


def _measure(variant: str, calls: int) -> float:
    """CPU seconds of `calls` rounds of the mix in this process, after applying the variant's fixes."""
    import boto3
    from moto import mock_aws

    from infra.local import moto_main

    if variant == "parse-cache":
        import functools

        from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

        moto_main.patch_dynamodb()
        UpdateExpressionParser.make = staticmethod(functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make))
    elif variant != "released":
        moto_main.patch_dynamodb()
        moto_main.patch_update_expressions()
    if variant == "unsigned":
        import botocore.signers

        botocore.signers.RequestSigner.handler = lambda self, operation_name=None, request=None, **kwargs: None  # type: ignore[method-assign,assignment]
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                       {"AttributeName": "SK", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                  {"AttributeName": "SK", "AttributeType": "S"}])
        for i in range(200):
            client.put_item(TableName="t", Item={"PK": {"S": "W"}, "SK": {"S": f"C#{i:04d}"}, "name": {"S": "x" * 50},
                                                 "n": {"N": "1"}, "tags": {"SS": ["a", "b"]}})
        start = time.process_time()
        for i in range(calls):
            client.update_item(
                TableName="t", Key={"PK": {"S": "W#RATE"}, "SK": {"S": "1"}},
                UpdateExpression="ADD #r :one SET #e = :e, #k = :k",
                ConditionExpression="attribute_not_exists(#r) OR #r < :limit",
                ExpressionAttributeNames={"#r": "requests", "#e": "expires_at", "#k": "kind"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":e": {"N": "123"}, ":k": {"S": "rate"},
                                           ":limit": {"N": "1000000"}})
            client.get_item(TableName="t", Key={"PK": {"S": "W"}, "SK": {"S": f"C#{i % 200:04d}"}})
            if i % 5 == 0:
                client.query(TableName="t", KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                             ExpressionAttributeValues={":p": {"S": "W"}, ":s": {"S": "C#01"}})
        return time.process_time() - start


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.moto_calls")
    parser.add_argument("--calls", type=int, default=1500, help="rounds of the mix per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant (the median is shown)")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # one run, in a child process
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(_measure(args.variant, args.calls)))
        return {}
    requests = args.calls * 2 + args.calls // 5
    medians: dict[str, float] = {}
    for variant in VARIANTS:
        runs = [float(subprocess.run([sys.executable, "-m", "bench.moto_calls", "--variant", variant, "--calls",
                                      str(args.calls)], cwd=ROOT, check=True, capture_output=True,
                                     text=True).stdout.strip().splitlines()[-1]) for _ in range(args.repeats)]
        medians[variant] = statistics.median(runs)
    for variant, cpu in medians.items():
        print(f"{variant:12} {cpu:6.2f} CPU-s for {requests} requests = {cpu / requests * 1000:.2f} ms each, "
              f"{cpu / medians['released']:.2f}x moto as released")
    return medians


if __name__ == "__main__":
    main()
