"""Contacts at scale: 50,000 contacts in one workspace, then list and search latency as ratios to the raw
DynamoDB reads each needs. Contacts and their index items are written with BatchWriteItem through the data
layer (the same items the API writes, without the per-contact transaction), from several threads.

Two places to run it:
- a running local cloud (DynamoDB Local behind the function host), over HTTP: the figures the goals are about.
    python -m infra.local up --port 3130 --data-dir /tmp/scale-cloud --no-seed &
    python -m infra.local with-env --data-dir /tmp/scale-cloud -- python -m bench.contacts_scale \
        --url http://127.0.0.1:3130 --contacts 50000
  Loading 50,000 contacts (~650,000 items) into DynamoDB Local takes a few minutes.
- in-process moto (`mock_aws`, the default; what `make bench` runs at its small default size). moto 5.2 answers
  every Query by sorting the WHOLE TABLE (Table.all_items()), i.e. O(table) per call, ~2 s per Query at 40,000
  items; this mode patches moto's table Query (not GSIs), in this process only, to start from the queried
  partition: both sides of every ratio get the same patched emulator.

Raw baseline per operation (every route also does the BatchGetItem that verifies the caller and the rate-limit
UpdateItem, which the read routes write while they read):
  list          Query of the contact partition (limit+1)
  q prefix      Query of the name, email and company prefix partitions + BatchGetItem of the matches
  tag (small)   GetItem-batch of the tag counter + Query of the tag partition + BatchGetItem of its contacts
  walk by score Query of the score sort partition (100 keys) + BatchGetItem of those contacts
The ratio is therefore what the API adds (routing, JSON, filtering, sorting; over HTTP, the gateway).
Run: python -m bench.contacts_scale [--contacts 50000] [--n 5] [--url URL]
Figures and their reading: docs/adr/0005-contact-search.md.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

OPERATIONS = ("list", "q prefix", "tag (small)", "walk by score")
FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "John", "Edsger",
         "Radia", "Donald", "Katherine", "Tim", "Hedy", "Niklaus", "Sophie", "Bjarne", "Anita"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen", "Backus",
        "Dijkstra", "Perlman", "Knuth", "Johnson", "Berners-Lee", "Lamarr", "Wirth", "Wilson", "Stroustrup", "Borg"]
TAGS = ["lead", "customer", "newsletter", "vip", "webinar", "partner", "churned", "trial"] + [f"campaign-{i}"
                                                                                            for i in range(12)]


def _env() -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION":
                       "us-east-1", "AWS_REGION": "us-east-1", "POWERTOOLS_METRICS_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "WARNING"}.items():
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)


def _contacts(ws: str, count: int, rng: random.Random) -> list[Any]:
    from leadpilot.contacts.entities import Contact
    from leadpilot.ids import new_id

    out = []
    for i in range(count):
        tags = sorted({TAGS[min(int(rng.paretovariate(1.2)) - 1, len(TAGS) - 1)] for _ in range(rng.randint(0, 3))})
        stamp = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00.000Z"
        out.append(Contact(id=new_id(), workspace_id=ws, first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                           email=f"person{i}@example{i % 97}.test", phone=f"+1415{5550000 + i:07d}",
                           company=f"Company {i % 500}", source=rng.choice(["web", "import", "referral"]), tags=tags,
                           score=rng.randint(0, 200), last_activity_at=stamp if i % 3 else None, created_at=stamp,
                           updated_at=stamp, created_by="bench"))
    return out


def _load(ws: str, count: int, writers: int = 4) -> tuple[float, int]:
    """Write the contacts, their index items and tag counters from `writers` threads; returns (seconds, items)."""
    from concurrent.futures import ThreadPoolExecutor

    from leadpilot.contacts.indexes import index_keys
    from leadpilot.contacts.models import ContactIndexItem, TagItem
    from leadpilot.contacts.store import tags_pk, to_item

    start = time.perf_counter()
    contacts = _contacts(ws, count, random.Random(7))
    counts: Counter[str] = Counter(tag for contact in contacts for tag in contact.tags)

    def write(part: list[Any]) -> int:
        items = 0
        with ContactIndexItem.batch_write() as batch:
            for contact in part:
                batch.save(to_item(contact))
                for pk, sk in index_keys(contact):
                    batch.save(ContactIndexItem(pk, sk, contact_id=contact.id))
                    items += 1
                items += 1
        return items

    with ThreadPoolExecutor(writers) as pool:
        written = sum(pool.map(write, [contacts[i::writers] for i in range(writers)]))
    with TagItem.batch_write() as batch:
        for tag, total in counts.items():
            batch.save(TagItem(tags_pk(ws), f"TAG#{tag}", tag=tag, total=total))
    return time.perf_counter() - start, written + len(counts)


def _partition_queries() -> None:
    """The local cloud's moto fixes (per-partition Query among them), applied to in-process moto."""
    from infra.local.moto_main import patch_dynamodb

    patch_dynamodb()


def _raw(ws: str, auth_keys: dict[str, Any], crm: str, small_tag: str) -> dict[str, Callable[[], Any]]:
    import boto3

    ddb = boto3.client("dynamodb")

    def query(pk: str, limit: int, prefix: str | None = None, forward: bool = True) -> list[dict[str, Any]]:
        cond, values = "PK = :p", {":p": {"S": pk}}
        if prefix is not None:  # as a range, the form DynamoDB Local reads without walking the partition
            cond, values[":s"], values[":e"] = cond + " AND SK BETWEEN :s AND :e", {"S": prefix}, {"S": _next(prefix)}
        return ddb.query(TableName=crm, KeyConditionExpression=cond, ExpressionAttributeValues=values, Limit=limit,
                         ScanIndexForward=forward)["Items"]

    def fetch(ids: list[str]) -> None:
        for start in range(0, len(ids), 100):
            keys = [{"PK": {"S": f"WS#{ws}#CONTACTS"}, "SK": {"S": f"CONTACT#{i}"}} for i in ids[start:start + 100]]
            ddb.batch_get_item(RequestItems={crm: {"Keys": keys}})

    def auth() -> None:
        ddb.batch_get_item(RequestItems=auth_keys)

    def list_page() -> None:
        auth()
        query(f"WS#{ws}#CONTACTS", 51, "CONTACT#")

    def q_prefix() -> None:
        auth()
        ids = {i["contact_id"]["S"] for f in ("name", "email", "company")
               for i in query(f"WS#{ws}#IDX#{f}", 1001, "ada lovelace")}
        fetch(sorted(ids))

    def tag_small() -> None:
        auth()
        counter = {"PK": {"S": f"WS#{ws}#TAGS"}, "SK": {"S": f"TAG#{small_tag}"}}
        ddb.batch_get_item(RequestItems={crm: {"Keys": [counter]}})
        fetch([i["contact_id"]["S"] for i in query(f"WS#{ws}#TAG#{small_tag}", 1001, "CONTACT#")])

    def walk_score() -> None:
        auth()
        fetch([i["contact_id"]["S"] for i in query(f"WS#{ws}#SORT#score", 100, forward=False)])

    return dict(zip(OPERATIONS, (list_page, q_prefix, tag_small, walk_score), strict=True))


def _next(prefix: str) -> str:
    from leadpilot.db.base import _next_prefix

    upper = _next_prefix(prefix)
    assert upper is not None
    return upper


def _timed(n: int, fn: Callable[[], Any]) -> float:
    fn()  # warm (imports, connections)
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--url", help="a running local cloud's API (run under `python -m infra.local with-env`); "
                                      "default: in-process moto")
    parser.add_argument("--login", help="with --url: the owner email of a workspace an earlier run loaded (printed "
                                        "by it); measure that one again instead of loading another")
    args = parser.parse_args(argv)
    if args.url:
        from bench.local_api import LocalApi
        from leadpilot.db.base import bind_tables
        from leadpilot.settings import get_settings

        settings = get_settings()
        bind_tables(settings)
        return _measure(LocalApi(args.url), settings.identity_table, settings.crm_table, args,
                        f"the local cloud at {args.url}")
    _env()
    from moto import mock_aws

    from infra.local.provision import provision
    from leadpilot.db.base import bind_tables
    from leadpilot.settings import get_settings
    from tests.support.apps import TEMPLATE, Api

    _partition_queries()
    with mock_aws():
        deployment = provision(TEMPLATE, {"Stage": "bench", "JwtSecret": "bench-secret-0123456789abcdef0123456789"})
        for key, value in deployment.function("ContactsFunction").environment.items():
            os.environ[key] = str(value)
        get_settings.cache_clear()
        bind_tables(get_settings())
        return _measure(Api(), deployment.resources["IdentityTable"].name, deployment.resources["CrmTable"].name,
                        args, "in-process moto")


def _measure(api: Any, ident: str, crm: str, args: argparse.Namespace, where: str) -> dict[str, tuple[float, float]]:
    import jwt

    email = getattr(args, "login", None) or f"scale-{time.time_ns()}@bench.test"
    if getattr(args, "login", None):
        signed = api.post("/auth/login", {"email": email, "password": "bench-password-123"}).body
    else:
        signed = api.post("/auth/signup", {"workspace_name": "Scale", "email": email, "name": "Scale",
                                           "password": "bench-password-123"}).body
    token = signed["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    ws, user, session = claims["ws"], claims["sub"], claims["sid"]
    if getattr(args, "login", None):
        print(f"contacts at scale: the workspace of {email}, loaded before ({where})")
    else:
        seconds, written = _load(ws, args.contacts)
        print(f"contacts at scale: {args.contacts} contacts, {written} items written in {seconds:.0f} s "
              f"(BatchWriteItem, {where}; owner {email})")
    tags = {t["tag"]: t["count"] for t in api.get("/tags", token=token).body["items"]}
    small_tag = min(tags, key=lambda t: abs(tags[t] - 300))
    auth_keys = {ident: {"Keys": [{"PK": {"S": f"SESSION#{session}"}, "SK": {"S": "SESSION"}},
                                  {"PK": {"S": f"WS#{ws}"}, "SK": {"S": f"MEMBER#{user}"}},
                                  {"PK": {"S": f"WS#{ws}"}, "SK": {"S": "WORKSPACE"}}], "ConsistentRead": True}}
    raw = _raw(ws, auth_keys, crm, small_tag)
    routes = {"list": "/contacts?limit=50", "q prefix": "/contacts/search?q=ada%20lovelace&limit=50",
              "tag (small)": f"/contacts/search?tags_any={small_tag}&sort=-score&limit=50",
              "walk by score": "/contacts/search?sort=-score&tags_none=churned&limit=50"}
    results: dict[str, tuple[float, float]] = {}
    for name in OPERATIONS:
        found = api.get(routes[name], token=token)
        assert found.status == 200, found
        api_s = _timed(args.n, lambda path=routes[name]: api.get(path, token=token))
        raw_s = _timed(args.n, raw[name])
        results[name] = (api_s, raw_s)
        print(f"  {name:<14} {len(found.body['items']):>3} items   API {api_s * 1000:7.1f} ms   "
              f"raw DynamoDB {raw_s * 1000:7.1f} ms   ratio {api_s / raw_s:5.2f}")
    print(f"  (tag used: {small_tag!r} on {tags[small_tag]} contacts)")
    return results


if __name__ == "__main__":
    main()
