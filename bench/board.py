"""The pipeline board with 5,000 deals through the API (template routing, Chalice app, auth), as a
ratio to the raw DynamoDB calls it needs.

Two places to run it:
- a running local cloud (DynamoDB Local behind the function host), over HTTP: the figure the goal is about.
    python -m infra.local up --port 3130 --data-dir /tmp/board-cloud --no-seed &
    python -m infra.local with-env --data-dir /tmp/board-cloud -- python -m bench.board --url http://127.0.0.1:3130
- in-process moto with every resource from template.yaml (the default; what `make bench` runs at its small
  default size). moto evaluates a Query over the whole partition (DynamoDB reads only what it returns), so there
  every capped per-stage Query costs about as much as reading the partition; the "items read" column is what
  DynamoDB would bill.

Raw baseline per board call (what the route must do at minimum):
  BatchGetItem (session + membership + workspace) + GetItem (pipeline, its stages)
  + Query (the pipeline's counters) + one Query per stage capped at the column size (limit+1).
For contrast it also times reading the whole board partition (every card, paginated), which is what
a board without counters would need to compute its sums.
Run: python -m bench.board [--deals 5000] [--n 5] [--url URL]
"""
from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import boto3

from leadpilot.clock import now_iso
from leadpilot.ids import new_id
from leadpilot.pipelines import store
from leadpilot.pipelines.entities import Deal
from leadpilot.pipelines.models import DealVisitItem, PipelineStatsItem
from leadpilot.pipelines.moves import _counter_keys
from leadpilot.settings import get_settings
from tests.support.apps import TEMPLATE, Api

COLUMN = 25  # the board's default deals per stage


def _next(prefix: str) -> str:
    """The upper bound of a prefix as a range (the form DynamoDB Local reads without walking the partition)."""
    from leadpilot.db.base import _next_prefix

    upper = _next_prefix(prefix)
    assert upper is not None
    return upper


def _timed(n: int, fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def _seed(table: str, ws: str, pipeline: dict[str, Any], contact_id: str, owner: str, count: int) -> None:
    """Write `count` deals straight to the table (items exactly as the API writes them), with counters."""
    stages = pipeline["stages"]
    now, items, sums = now_iso(), [], defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for i in range(count):
        stage = stages[i % len(stages)]
        status = stage["kind"]
        deal = Deal(id=new_id(), workspace_id=ws, pipeline_id=pipeline["id"], stage_id=stage["id"],
                    contact_id=contact_id, name=f"Deal {i}", value=Decimal(100 + i % 900), currency="USD",
                    probability=stage["probability"], owner_id=owner, status=status,
                    expected_close_date=(date(2027, 1, 1) + timedelta(days=i % 365)).isoformat(),
                    lost_reason="price" if status == "lost" else None, stage_entered_at=now, visit_id=new_id(),
                    closed_at=now if status != "open" else None, created_at=now, updated_at=now, version=1)
        visit = DealVisitItem(store.visits_pk(ws, deal.id), f"VISIT#{deal.visit_id}", visit_id=deal.visit_id,
                              pipeline_id=deal.pipeline_id, stage_id=deal.stage_id, entered_at=now)
        items += [store.deal_item(deal), store.card_item(deal), visit]
        for sk in _counter_keys(deal):
            totals = sums[sk]
            totals[0] += 1
            totals[1] += deal.value
            totals[2] += deal.weighted
    pk = store.board_pk(ws, pipeline["id"])
    items += [PipelineStatsItem(pk, sk, deal_count=n, value=v, weighted=w) for sk, (n, v, w) in sums.items()]
    ddb = boto3.client("dynamodb")

    def write(start: int) -> None:
        pending = {table: [{"PutRequest": {"Item": item.serialize()}} for item in items[start:start + 25]]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(0, len(items), 25)))


def _raw(ident: str, crm: str, ws: str, user: str, session: str,
         pipeline: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    ddb = boto3.client("dynamodb")
    auth = {ident: {"Keys": [{"PK": {"S": f"SESSION#{session}"}, "SK": {"S": "SESSION"}},
                             {"PK": {"S": f"WS#{ws}"}, "SK": {"S": f"MEMBER#{user}"}},
                             {"PK": {"S": f"WS#{ws}"}, "SK": {"S": "WORKSPACE"}}], "ConsistentRead": True}}
    pk = {"S": store.board_pk(ws, pipeline["id"])}

    def query(prefix: str, limit: int | None = None) -> int:
        pages, start = 0, None
        while True:
            kwargs: dict[str, Any] = {"Limit": limit} if limit else {}
            if start:
                kwargs["ExclusiveStartKey"] = start
            reply = ddb.query(TableName=crm, KeyConditionExpression="PK = :p AND SK BETWEEN :s AND :e",
                              ExpressionAttributeValues={":p": pk, ":s": {"S": prefix}, ":e": {"S": _next(prefix)}},
                              ConsistentRead=True, **kwargs)
            pages += 1
            start = reply.get("LastEvaluatedKey")
            if limit or not start:
                return pages

    def board() -> None:
        ddb.batch_get_item(RequestItems=auth)
        key = {"PK": {"S": store.pipelines_pk(ws)}, "SK": {"S": f"PIPELINE#{pipeline['id']}"}}
        ddb.get_item(TableName=crm, Key=key, ConsistentRead=True)
        query(f"{store.STATS}STAGE#")
        for stage in pipeline["stages"]:
            shown = "open" if stage["kind"] == "open" else stage["kind"]
            query(f"STAGE#{stage['id']}#{shown}#", COLUMN + 1)

    def everything() -> int:
        ddb.batch_get_item(RequestItems=auth)
        return query("STAGE#")

    return {"board": board, "everything": everything}


def _environment() -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                       "POWERTOOLS_METRICS_DISABLED": "true"}.items():
        os.environ.setdefault(key, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=5000)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--url", help="a running local cloud's API (run under `python -m infra.local with-env`); "
                                      "default: in-process moto")
    args = parser.parse_args(argv)
    if args.url:
        from bench.local_api import LocalApi
        from leadpilot.db.base import bind_tables

        settings = get_settings()
        bind_tables(settings)
        return _measure(LocalApi(args.url), settings.identity_table, settings.crm_table, args,
                        f"the local cloud at {args.url}")
    _environment()
    from moto import mock_aws

    from infra.local.provision import provision

    with mock_aws():
        deployment = provision(TEMPLATE, {"Stage": "bench", "JwtSecret": "bench-secret-0123456789abcdef0123456789"})
        for key, value in deployment.function("PipelinesFunction").environment.items():
            if key.isupper() and key not in ("POWERTOOLS_SERVICE_NAME",):
                os.environ[key] = str(value)
        get_settings.cache_clear()
        ident, crm = (deployment.resources[k].name for k in ("IdentityTable", "CrmTable"))
        return _measure(Api(), ident, crm, args, "in-process moto")


def _measure(api: Any, ident: str, crm: str, args: argparse.Namespace, where: str) -> dict[str, float]:
    import jwt

    signup = api.post("/auth/signup", {"workspace_name": "Bench", "email": f"board-{time.time_ns()}@bench.test",
                                       "password": "bench-password-123", "name": "Bench"}).body
    token, ws, user = signup["access_token"], signup["workspace"]["id"], signup["user"]["id"]
    session = jwt.decode(token, options={"verify_signature": False})["sid"]
    pipeline = api.post("/pipelines", {"name": "Bench"}, token=token).body
    contact = api.post("/contacts", {"first_name": "Bench"}, token=token).body
    started = time.perf_counter()
    _seed(crm, ws, pipeline, contact["id"], user, args.deals)
    seeded = time.perf_counter() - started
    path = f"/pipelines/{pipeline['id']}/board"
    board = api.get(path, token=token).body
    assert sum(s["count"] for s in board["stages"]) == args.deals, "counters disagree with the seeded deals"
    shown = sum(len(s["deals"]) for s in board["stages"])
    raw = _raw(ident, crm, ws, user, session, pipeline)
    api_s = _timed(args.n, lambda: api.get(path, token=token))
    raw_s = _timed(args.n, raw["board"])
    started = time.perf_counter()
    pages = raw["everything"]()
    all_s = time.perf_counter() - started
    stats = len(list(PipelineStatsItem.query(store.board_pk(ws, pipeline["id"]))))
    print(f"pipeline board, {args.deals} deals in {len(pipeline['stages'])} stages, {COLUMN} per column "
          f"({where}; seeded in {seeded:.1f} s)")
    print(f"  board API {api_s * 1000:7.1f} ms   raw DynamoDB {raw_s * 1000:7.1f} ms "
          f"(auth + {2 + len(pipeline['stages'])} Gets/Queries)   ratio {api_s / raw_s:5.2f}   "
          f"items read {shown + len(pipeline['stages']) + stats}")
    print(f"  for contrast, a board summed from every card: {all_s * 1000:7.1f} ms ({pages} Query pages), "
          f"items read {args.deals}")
    return {"api_s": api_s, "raw_s": raw_s, "all_cards_s": all_s}


if __name__ == "__main__":
    main()
