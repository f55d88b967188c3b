"""SMS pipeline throughput on the local cloud (DynamoDB Local + moto server + function host): texts per minute from
POST /sms through the send queue and worker to the sandbox provider, and signed inbound webhooks per second.

Run: python -m bench.sms_pipeline [--texts 1000] [--inbound 300]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

from bench.contacts_api import _http
from bench.cpu import ProcessCpu
from infra.local.cloud import LocalCloud
from infra.local.sms import inbound_form, post_signed, token_from

CONTACTS = 100
# The local cloud's dev snapshot scans every table (over a second each at this size, holding moto's table
# lock): not part of the pipeline, so the bench takes it less often (override with BENCH_SNAPSHOT_S).
SNAPSHOT_S = float(os.environ.get("BENCH_SNAPSHOT_S", "60"))


def _sent(cloud: LocalCloud, ws: str) -> int:
    assert cloud.deployment is not None
    table = cloud.deployment.resources["CrmTable"].name
    pages = boto3.client("dynamodb").get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"WS#{ws}#SMS_SANDBOX"}}, Select="COUNT")
    return sum(page["Count"] for page in pages)


def _raw_calls_per_s(cloud: LocalCloud, calls: int = 400, parallel: int = 4) -> float:
    """Plain PutItem calls per second on the same moto server (the unit the ratios are given in)."""
    assert cloud.deployment is not None
    table = cloud.deployment.resources["CrmTable"].name
    ddb = boto3.client("dynamodb")

    def one(i: int) -> None:
        ddb.put_item(TableName=table, Item={"PK": {"S": f"BENCH#{i}"}, "SK": {"S": "RAW"}, "n": {"N": str(i)}})

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(one, range(calls)))
    return calls / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> tuple[float, float, dict[str, float]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=1000, help="texts sent through POST /sms/bulk")
    parser.add_argument("--single", type=int, default=200, help="texts sent through POST /sms one by one")
    parser.add_argument("--inbound", type=int, default=300)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    with tempfile.TemporaryDirectory() as data, \
            LocalCloud(data, port=0, seed=False, snapshot_interval=SNAPSHOT_S) as cloud:
        url = cloud.api_url
        signup = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Texts", "email": "sms@bench.test",
                                                      "password": "bench-password-123", "name": "Sms"})
        token, ws = signup["access_token"], signup["workspace"]["id"]
        _http(f"{url}/usage/limits", "PUT", {"plan": "scale"}, token)
        _http(f"{url}/phone-numbers", "POST", {"number": "+14155550100"}, token)
        contacts = [_http(f"{url}/contacts", "POST", {"first_name": f"C{i}", "phone": f"+1415556{i:04d}"}, token)["id"]
                    for i in range(CONTACTS)]

        def single(i: int) -> None:
            _http(f"{url}/sms", "POST", {"contact_id": contacts[i % CONTACTS], "body": "Hi {{first_name|there}}, "
                                         f"your order #{i} is ready."}, token)

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            list(pool.map(single, range(args.single)))
        while _sent(cloud, ws) < args.single and time.perf_counter() - start < 600:
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        print(f"POST /sms one at a time ({args.parallel} clients): {args.single} texts queued and handed to the "
              f"sandbox provider in {elapsed:.1f} s = {args.single / elapsed * 60:.0f} texts/min")

        def bulk(batch: int) -> None:
            _http(f"{url}/sms/bulk", "POST", {"contact_ids": contacts, "body": "Hi {{first_name|there}}, "
                                              f"sale #{batch} starts today."}, token)

        batches = max(1, args.texts // CONTACTS)
        cpu = ProcessCpu(cloud)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(bulk, range(batches)))
        accepted = time.perf_counter() - start
        sent_while_queueing = _sent(cloud, ws) - args.single
        expected = args.single + batches * CONTACTS
        while _sent(cloud, ws) < expected and time.perf_counter() - start < 900:
            time.sleep(0.2)
        total = time.perf_counter() - start
        done = _sent(cloud, ws) - args.single
        spent = cpu.per_item(done)
        print(f"POST /sms/bulk ({CONTACTS} per request): {batches * CONTACTS} texts queued in {accepted:.1f} s; all "
              f"{done} through the send queue, the worker and the sandbox provider after {total:.1f} s: "
              f"{done / total * 60:.0f} texts/min end to end; CPU per text: {ProcessCpu.text(spent)}")
        rate = done / total * 60
        after = (done - sent_while_queueing) / max(total - accepted, 1e-9) * 60
        print(f"  {sent_while_queueing} sent while the POSTs were queueing; the other {done - sent_while_queueing} "
              f"in the {total - accepted:.1f} s after: {after:.0f} texts/min with the worker alone")
        raw = _raw_calls_per_s(cloud)
        print(f"  raw DynamoDB PutItem calls on this machine now: {raw:.0f}/s. The worker takes a queue batch (up to "
              f"10 texts) in ~10 sequential AWS calls: receive, 2 batch reads, 1 claim transaction, 1 sandbox "
              f"record transaction, 1 sent transaction, 1 read of held status callbacks, PutEvents, 1 outbox "
              f"transaction, delete; each sms.sent event then goes through 3 queues (live screens, outgoing "
              f"webhooks, agency activity) and their consumers")

        sandbox = token_from(Path(data))
        hook = f"{url}/webhooks/twilio/sms"

        def receive(i: int) -> int:
            form = inbound_form(f"+1415557{i % 1000:04d}", "+14155550100", f"Reply {i}")
            return post_signed(hook, form, sandbox)[0]

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            codes = list(pool.map(receive, range(args.inbound)))
        elapsed = time.perf_counter() - start
        print(f"Inbound webhooks (signed, verified, contact matched or created, threaded): {args.inbound} in "
              f"{elapsed:.1f} s = {args.inbound / elapsed:.1f}/s ({codes.count(200)} answered 200)")
        return rate, args.inbound / elapsed, spent


if __name__ == "__main__":
    main()
