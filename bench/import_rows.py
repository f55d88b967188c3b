"""CSV import throughput: rows per second through POST /imports and the jobs queue worker on the
local cloud (DynamoDB Local + moto server + function host), with the CPU each process spent per row, and as a
ratio to the raw DynamoDB writes a row needs (one TransactWriteItems
of contact + claims + activity, one UpdateItem clearing the outbox flag).

Run: python -m bench.import_rows [--rows 2000]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

from bench.contacts_api import _http
from bench.cpu import ProcessCpu
from infra.local.cloud import LocalCloud
from leadpilot.ids import new_id

SNAPSHOT_S = float(os.environ.get("BENCH_SNAPSHOT_S", "5"))  # the local cloud's default


def _raw_rows_per_s(cloud: LocalCloud, ws: str, rows: int, parallel: int = 8) -> float:
    assert cloud.deployment is not None
    ddb = boto3.client("dynamodb")
    crm = cloud.deployment.resources["CrmTable"].name

    def one(i: int) -> None:
        cid, aid = new_id(), new_id()
        email = f"raw{i}@bench.test"
        items = [{"PK": {"S": f"WS#{ws}#EMAIL#{email}"}, "SK": {"S": "CLAIM"}, "contact_id": {"S": cid}},
                 {"PK": {"S": f"WS#{ws}#CONTACTS"}, "SK": {"S": f"CONTACT#{cid}"}, "email": {"S": email}},
                 {"PK": {"S": f"WS#{ws}#CONTACT#{cid}"}, "SK": {"S": f"ACTIVITY#{aid}"}, "GSI1PK": {"S": "OUTBOX"},
                  "GSI1SK": {"S": aid}}]
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": crm, "Item": it}} for it in items])
        ddb.update_item(TableName=crm, Key={"PK": items[2]["PK"], "SK": items[2]["SK"]},
                        UpdateExpression="REMOVE GSI1PK, GSI1SK")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(one, range(rows)))
    return rows / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> tuple[float, float, dict[str, float]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    csv_text = "First Name,Email,Phone\n" + "".join(
        f"P{i},p{i}@import.test,+1212555{i % 10000:04d}\n" for i in range(args.rows))
    with tempfile.TemporaryDirectory() as data, \
            LocalCloud(data, port=0, seed=False, snapshot_interval=SNAPSHOT_S) as cloud:
        url = cloud.api_url
        signup = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Import", "email": "imp@bench.test",
                                                      "password": "bench-password-123", "name": "Imp"})
        token = signup["access_token"]
        cpu = ProcessCpu(cloud)
        start = time.perf_counter()
        job = _http(f"{url}/imports", "POST", {"csv": csv_text}, token)
        while True:
            state = _http(f"{url}/jobs/{job['id']}", "GET", token=token)
            if state["finished_at"]:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        spent = cpu.per_item(args.rows)
        api_rate = args.rows / elapsed
        raw_rate = _raw_rows_per_s(cloud, signup["workspace"]["id"], min(args.rows, 1000))
        print(f"CSV import of {args.rows} rows on the local cloud: {elapsed:.1f} s, {api_rate:.0f} rows/s "
              f"({state['succeeded']} imported, {state['failed']} failed); CPU per row: {ProcessCpu.text(spent)}")
        print(f"  raw DynamoDB writes for the same rows: {raw_rate:.0f} rows/s   ratio raw/import: "
              f"{raw_rate / api_rate:.2f}")
        return api_rate, raw_rate, spent


if __name__ == "__main__":
    main()
