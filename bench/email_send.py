"""Email throughput on the local cloud (DynamoDB Local + moto server + function host): messages per minute from
POST /emails/bulk (100 contacts a request, as a broadcast sends) through the send queue and the batched worker to
SES, and the CPU each process spent per message.

Pipeline per message: its share of POST /emails/bulk (caller, rate limit, sender, usage charge, one BatchGetItem
each of contacts and suppressed addresses, a transaction of 100 messages, SQS sends of 10) + the worker's share
of one batch of 10 (two BatchGetItem, a claim transaction, one SES call per message, a recording transaction,
PutEvents, an outbox transaction) + the consumers of `email.sent` (agency activity counters, outgoing webhooks).
Counted as sent when its record says so (after the SES call). `--single` posts one POST /emails per message.
Run: python -m bench.email_send [--messages 300] [--parallel 4] [--single]
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

CONTACTS = 100  # one bulk request's worth
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
    parser.add_argument("--single", action="store_true", help="one POST /emails per message (not /emails/bulk)")
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
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            contacts = list(pool.map(lambda i: _http(f"{url}/contacts", "POST", {
                "first_name": f"C{i}", "email": f"c{i}@bench.test"}, token)["id"], range(CONTACTS)))
        subject, body = "Hi {{first_name}}", "Hello **{{first_name}}**, see [our prices](https://bench.test/p)."

        def post_one(i: int) -> None:
            _http(f"{url}/emails", "POST", {"contact_id": contacts[i % CONTACTS], "subject": subject,
                                            "body": f"{body} Order #{i}."}, token)

        def post_bulk(start: int) -> None:
            ids = [contacts[(start + k) % CONTACTS] for k in range(min(CONTACTS, args.messages - start))]
            reply = _http(f"{url}/emails/bulk", "POST", {"contact_ids": ids, "subject": subject, "body": body}, token)
            assert reply["queued"] == len(ids), reply

        post, starts = (post_one, range(args.messages)) if args.single else (post_bulk, range(0, args.messages,
                                                                                                CONTACTS))

        cpu = ProcessCpu(cloud)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            list(pool.map(post, starts))
        queued = time.perf_counter() - started
        while _sent(cloud, ws) < args.messages and time.perf_counter() - started < 900:
            time.sleep(1)  # each look reads every message of the workspace: not too often
        total = time.perf_counter() - started
        spent = cpu.per_item(_sent(cloud, ws))
        done = _sent(cloud, ws)
    result = {"route": "POST /emails" if args.single else "POST /emails/bulk", "messages": done,
              "per_minute": round(done / total * 60), "api_ms": round(queued / done * 1000, 1),
              "worker_ms": round((total - queued) / done * 1000, 1), "cpu_ms": spent}
    print(f"email on the local cloud: {done} messages through {result['route']} ({args.parallel} clients) in "
          f"{queued:.1f} s, all sent after {total:.1f} s = {result['per_minute']}/min end to end; CPU per message: "
          f"{ProcessCpu.text(spent)}")
    return result


if __name__ == "__main__":
    main()
