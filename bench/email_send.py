"""Email throughput on the local cloud (DynamoDB Local + moto server + function host): messages per minute from
POST /emails through the send queue and the batched worker to SES, and the CPU each process spent per message.

Pipeline per message: POST /emails (caller, rate limit, contact, suppression, sender, usage charge, message put,
SQS send) + the worker's share of one batch of 10 (two BatchGetItem, a claim transaction, one SES call per
message, a recording transaction, PutEvents, an outbox transaction) + the consumers of `email.sent` (agency
activity counters, outgoing webhooks). Counted as sent when its record says so (after the SES call).
Run: python -m bench.email_send [--messages 300] [--parallel 4]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from bench.contacts_api import _http
from bench.cpu import ProcessCpu
from infra.local.cloud import LocalCloud

CONTACTS = 20
SNAPSHOT_S = float(os.environ.get("BENCH_SNAPSHOT_S", "60"))


def _sent(cloud: LocalCloud, ws: str) -> int:
    """The workspace's emails marked sent (after the SES call succeeded)."""
    assert cloud.deployment is not None
    pages = boto3.client("dynamodb").get_paginator("query").paginate(
        TableName=cloud.deployment.resources["CrmTable"].name, IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk", FilterExpression="#s = :sent", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":pk": {"S": f"WS#{ws}#EMAILS"}, ":sent": {"S": "sent"}}, Select="COUNT")
    return sum(page["Count"] for page in pages)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--parallel", type=int, default=4, help="clients posting at once")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    with tempfile.TemporaryDirectory() as data, \
            LocalCloud(data, port=0, seed=False, snapshot_interval=SNAPSHOT_S) as cloud:
        url = cloud.api_url
        signup = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Mail", "email": "mail@bench.test",
                                                      "password": "bench-password-123", "name": "Mail"})
        token, ws = signup["access_token"], signup["workspace"]["id"]
        _http(f"{url}/usage/limits", "PUT", {"plan": "scale"}, token)
        _http(f"{url}/email/sender", "PUT", {"email": "hello@bench.test"}, token)
        contacts = [_http(f"{url}/contacts", "POST", {"first_name": f"C{i}", "email": f"c{i}@bench.test"},
                          token)["id"] for i in range(CONTACTS)]

        def post(i: int) -> None:
            _http(f"{url}/emails", "POST", {"contact_id": contacts[i % CONTACTS], "subject": "Hi {{first_name}}",
                                            "body": f"Hello **{{{{first_name}}}}**, order #{i}: "
                                                    "see [our prices](https://bench.test/p)."}, token)

        cpu = ProcessCpu(cloud)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            list(pool.map(post, range(args.messages)))
        queued = time.perf_counter() - started
        while _sent(cloud, ws) < args.messages and time.perf_counter() - started < 900:
            time.sleep(0.2)
        total = time.perf_counter() - started
        spent = cpu.per_item(_sent(cloud, ws))
        done = _sent(cloud, ws)
    result = {"messages": done, "per_minute": round(done / total * 60), "api_ms": round(queued / done * 1000, 1),
              "worker_ms": round((total - queued) / done * 1000, 1), "cpu_ms": spent}
    print(f"email on the local cloud: {done} messages POSTed ({args.parallel} clients) in {queued:.1f} s, all sent "
          f"after {total:.1f} s = {result['per_minute']}/min end to end; CPU per message: {ProcessCpu.text(spent)}")
    return result


if __name__ == "__main__":
    main()
