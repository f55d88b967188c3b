"""The usage ledger at platform scale, on the local cloud's DynamoDB Local (ADR 0026).

1. The monthly report for --workspaces workspaces with --days days of usage of every product: a month's ledger
   (one entry per workspace, day and product) and its day and month rollups are seeded through the model layer
   with BatchWriteItem (the items charges write, without a transaction each). Then `usage.monthly.generate`
   runs as the schedule on the 1st runs it (rollups read, CSV to the files bucket, summary stored). Its
   DynamoDB reads are counted (requests and items, at the botocore client) against the minimum its access
   pattern needs: every workspace's 4 month rollups, read in 1 MB Query pages from the index's 8 partitions;
   and against what summing every ledger entry would read.
2. Ledger writes per second: --threads threads charge --charges sends (`usage.charge`, the send path's own call:
   limits, markup, one transaction of counters + key + entry + rollups) over --charge-workspaces workspaces,
   every key sent twice; then the counters, the ledger and the rollups must match the sends exactly.
Run: python -m bench.usage_report [--workspaces 1000] [--days 30] [--charges 2000] [--threads 8]
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import botocore.client

from infra.local.cloud import LocalCloud

MONTH = "2026-10"
PRODUCTS = ("sms_segments", "emails", "voice_minutes", "ai_tokens")
PAGE_BYTES = 1024 * 1024


class ReadCounter:
    """Counts DynamoDB read requests and the items they read, at every botocore client, made by the thread that
    entered it (the local cloud's function host runs its schedules and pollers in other threads of this process)."""

    READS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems"})

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.items = 0
        self.lock = threading.Lock()
        self._original = botocore.client.BaseClient._make_api_call

    def __enter__(self) -> ReadCounter:
        counter, original, thread = self, self._original, threading.get_ident()

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            reply = original(client, operation, params)
            if operation in ReadCounter.READS and client.meta.service_model.service_name == "dynamodb" \
                    and threading.get_ident() == thread:
                with counter.lock:
                    counter.requests[operation] += 1
                    counter.items += int(reply.get("ScannedCount", reply.get("Count", 0)) or 0)
            return reply

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        botocore.client.BaseClient._make_api_call = self._original  # type: ignore[method-assign]


def _environment(cloud: LocalCloud) -> None:
    """The usage function's environment, as the local cloud gives it; settings read afresh."""
    from leadpilot.db.base import bind_tables
    from leadpilot.settings import get_settings

    assert cloud.deployment is not None
    for key, value in cloud.deployment.function("UsageMonthlyReportFunction").environment.items():
        if isinstance(value, str | int | float):
            os.environ[key] = str(value)
    get_settings.cache_clear()
    bind_tables(get_settings())


def _seed(workspaces: list[str], days: int, threads: int) -> tuple[int, float, int]:
    """A month of ledger entries and rollups, a slice of the workspaces per thread; returns (items written,
    seconds, bytes of the month rollups)."""
    start = time.perf_counter()
    slices = [workspaces[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        done = list(pool.map(lambda part: _seed_some(part, workspaces, days), slices))
    return sum(d[0] for d in done), time.perf_counter() - start, sum(d[1] for d in done)


def _seed_some(part: list[str], workspaces: list[str], days: int) -> tuple[int, int]:
    from leadpilot.usage import ledger
    from leadpilot.usage.models import LedgerEntryItem

    written, rollup_bytes, markup = 0, 0, Decimal("20")
    with LedgerEntryItem.batch_write() as batch:  # one table: the batch takes the rollups too
        for ws in part:
            n = workspaces.index(ws)
            month_sums = {p: [0, 0, 0, 0] for p in PRODUCTS}
            for day in range(1, days + 1):
                at = datetime(2026, 10, day, 12, tzinfo=UTC)
                for k, product in enumerate(PRODUCTS):
                    quantity = 1 + (n * 7 + day * 3 + k) % 50
                    entry = ledger.Entry(ws, product, quantity, at, f"bench:{ws}:{day}:{product}",
                                         {"type": "message", "id": f"m{day}"}, markup)
                    batch.save(_entry_item(entry))
                    batch.save(_rollup(entry, day, quantity, entry.cost, entry.billed_e4, 1))
                    sums = month_sums[product]
                    sums[0] += quantity
                    sums[1] += entry.cost
                    sums[2] += entry.billed_e4
                    sums[3] += 1
                    written += 2
            for product, (quantity, cost, billed, count) in month_sums.items():
                entry = ledger.Entry(ws, product, quantity, datetime(2026, 10, 1, tzinfo=UTC), "", None, markup)
                item = _rollup(entry, None, quantity, cost, billed, count)
                batch.save(item)
                rollup_bytes += _size(item)
                written += 1
    return written, rollup_bytes


def _entry_item(entry: Any) -> Any:
    from leadpilot.ids import new_id
    from leadpilot.usage import ledger, pricing
    from leadpilot.usage.models import LedgerEntryItem

    stamp = entry.usage_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    entry_id = new_id()
    return LedgerEntryItem(ledger.ledger_pk(entry.workspace_id, entry.month), f"E#{stamp}#{entry_id}",
                           entry_id=entry_id, workspace_id=entry.workspace_id, product=entry.product,
                           quantity=entry.quantity, unit_cost_micros=pricing.UNIT_COST_MICROS[entry.product],
                           cost_micros=entry.cost, markup_percent=str(entry.markup), billed_e4=entry.billed_e4,
                           usage_at=stamp, recorded_at=stamp, idempotency_key=entry.key,
                           cause_type=entry.cause["type"], cause_id=entry.cause["id"])


def _rollup(entry: Any, day: int | None, quantity: int, cost: int, billed: int, count: int) -> Any:
    """The rollup item a charge's ADDs leave behind (as ledger.add_entry keys it)."""
    from leadpilot.usage import ledger
    from leadpilot.usage.models import UsageRollupItem

    dd = None if day is None else f"{day:02d}"
    ws, product = entry.workspace_id, entry.product
    return UsageRollupItem(
        ledger.ledger_pk(ws, MONTH), ledger.rollup_sk(product, dd), workspace_id=ws, product=product,
        period=MONTH if dd is None else f"{MONTH}-{dd}", quantity=quantity, cost_micros=cost, billed_e4=billed,
        entries=count, GSI1PK=ledger.platform_pk(MONTH, ledger.shard(ws)),
        GSI1SK=f"M#{ws}#{product}" if dd is None else f"D#{dd}#{ws}#{product}")


def _size(item: Any) -> int:
    """An item's size as DynamoDB counts it (names + values), roughly: enough for 1 MB page arithmetic."""
    return sum(len(k) + len(str(v)) for k, v in item.serialize().items())


def report_figures(workspaces: list[str], rollup_bytes: int) -> dict[str, Any]:
    from leadpilot.settings import get_settings
    from leadpilot.usage import ledger, monthly

    with ReadCounter() as reads:
        start = time.perf_counter()
        summary = monthly.generate(get_settings(), MONTH)
        elapsed = time.perf_counter() - start
    assert summary["workspaces"] == len(workspaces) and summary["rows"] == 4 * len(workspaces), summary
    # The minimum: the month rollups in 1 MB pages from each index partition, and the one Query of the
    # administrators to mail (none here, so it reads no item)
    per_shard = math.ceil(rollup_bytes / ledger.SHARDS / PAGE_BYTES)
    return {"seconds": elapsed, "requests": sum(reads.requests.values()), "items": reads.items,
            "min_requests": ledger.SHARDS * per_shard + 1, "min_items": 4 * len(workspaces), "summary": summary,
            "detail": dict(reads.requests)}


def _write_figures(charges: int, threads: int, workspaces: int) -> dict[str, Any]:
    """Concurrent charges with each key sent twice; then exact totals everywhere."""
    from leadpilot.settings import get_settings
    from leadpilot.usage import meter, reports
    from leadpilot.usage.models import LedgerEntryItem

    settings = get_settings()
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    targets = [f"01BENCHCHARGE{w:013d}" for w in range(workspaces)]
    sends = [(targets[i % workspaces], f"send:{i}", 1 + i % 3) for i in range(charges)] * 2

    def charge(send: tuple[str, str, int]) -> bool:
        return meter.charge(settings, send[0], "sms_segments", send[2], now=now, key=send[1],
                            cause={"type": "message", "id": send[1]}, enforce=False).repeat

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        repeats = sum(pool.map(charge, sends))
    elapsed = time.perf_counter() - start
    expected = Counter[str]()
    for ws, _key, quantity in sends[:charges]:
        expected[ws] += quantity
    month = now.strftime("%Y-%m")
    span = reports.report_range(month, month, "month", now.date())
    exact = repeats == charges
    for ws in targets:
        counted = meter.used(ws, "sms_segments", now)
        entries = [e for e in LedgerEntryItem.query(f"WS#{ws}#LEDGER#{month}", LedgerEntryItem.SK.startswith("E#"))
                   if isinstance(e, LedgerEntryItem)]
        rolled = reports.workspace_report(ws, span)["totals"][0]["quantity"]
        exact = exact and counted == {"day": expected[ws], "month": expected[ws]} and rolled == expected[ws]
        exact = exact and len(entries) == charges // workspaces and sum(int(e.quantity) for e in entries) == \
            expected[ws]
    return {"entries_per_s": charges / elapsed, "calls_per_s": len(sends) / elapsed, "seconds": elapsed,
            "exact": exact, "repeats": repeats}


def _raw_writes_per_s(charges: int, threads: int, workspaces: int) -> float:
    """The same charges as bare 6-item TransactWriteItems through boto3 (key claim, entry, 2 counters, 2 rollups):
    the floor the charge path is measured against."""
    import boto3

    from leadpilot.settings import get_settings

    ddb, table = boto3.client("dynamodb"), get_settings().crm_table

    def one(i: int) -> None:
        ws, add = f"WS#01BENCHRAW{i % workspaces:015d}", {":n": {"N": "1"}}
        updates = [("USAGE", "sms_segments#DAY#2026-12-01"), ("USAGE", "sms_segments#MONTH#2026-12"),
                   ("LEDGER#2026-12", "ROLLUP#M#sms_segments"), ("LEDGER#2026-12", "ROLLUP#D#01#sms_segments")]
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"PK": {"S": f"{ws}#LEDGER_KEY#raw:{i}"}, "SK": {"S": "KEY"}},
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": table, "Item": {"PK": {"S": f"{ws}#LEDGER#2026-12"}, "SK": {"S": f"E#{i:08d}"},
                                                  "quantity": {"N": "1"}}}},
            *({"Update": {"TableName": table, "Key": {"PK": {"S": f"{ws}#{pk}"}, "SK": {"S": sk}},
                          "UpdateExpression": "ADD used :n", "ExpressionAttributeValues": add}}
              for pk, sk in updates)])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(charges)))
    return charges / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.usage_report", description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--charges", type=int, default=2000, help="distinct sends (each is charged twice)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--charge-workspaces", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ["LEADPILOT_DYNAMODB"] = "local"
    # DynamoDB Local fsyncs every write to its SQLite file: on tmpfs the seed takes a minute, not an hour (ADR 0002)
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=scratch) as data, LocalCloud(data, port=0, seed=False) as cloud:
        _environment(cloud)
        workspaces = [f"01BENCHWORKSPACE{n:010d}" for n in range(args.workspaces)]
        written, seed_s, rollup_bytes = _seed(workspaces, args.days, args.threads)
        print(f"seeded {written} ledger items ({args.workspaces} workspaces x {args.days} days x 4 products, entries "
              f"and rollups) in {seed_s:.1f} s ({written / seed_s:.0f} items/s, BatchWriteItem from {args.threads} "
              f"threads, DynamoDB Local on {'tmpfs' if data.startswith('/dev/shm') else 'disk'})")
        report = report_figures(workspaces, rollup_bytes)
        entries = args.workspaces * args.days * 4
        print(f"monthly report of {args.workspaces} workspaces: {report['seconds']:.2f} s "
              f"(rollups read, CSV stored, summary stored; no platform admin to mail)")
        print(f"  DynamoDB reads: {report['requests']} requests {report['detail']}, {report['items']} items; "
              f"minimum: {report['min_requests']} requests, {report['min_items']} items -> ratio "
              f"{report['requests'] / report['min_requests']:.2f} (requests), "
              f"{report['items'] / report['min_items']:.2f} (items)")
        print(f"  summing every ledger entry instead would read {entries} items "
              f"({entries / report['min_items']:.0f}x the rollups)")
        writes = _write_figures(args.charges, args.threads, args.charge_workspaces)
        raw = _raw_writes_per_s(args.charges, args.threads, args.charge_workspaces)
        print(f"ledger writes under {args.threads} concurrent senders: {args.charges} sends, each charged twice, "
              f"over {args.charge_workspaces} workspaces in {writes['seconds']:.1f} s: {writes['entries_per_s']:.0f} "
              f"ledger entries/s ({writes['calls_per_s']:.0f} charge calls/s, {writes['repeats']} repeats refused); "
              f"totals exact: {writes['exact']}")
        print(f"  bare 6-item TransactWriteItems, same threads and workspaces: {raw:.0f}/s -> ratio raw/charge "
              f"{raw / writes['entries_per_s']:.2f}")
        return {"report": report, "writes": writes, "raw_writes_per_s": raw}


if __name__ == "__main__":
    main()
