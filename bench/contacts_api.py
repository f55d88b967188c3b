"""Contact create, get and list through the HTTP gateway, as a ratio to the raw DynamoDB calls
the same operations need, on the same local cloud (DynamoDB Local; moto server for the other services).

Raw baseline per operation (what the route must do at minimum), each with the caller's BatchGetItem
(session + membership + workspace) and the workspace's rate-limit UpdateItem (ADR 0014: every authenticated
request counts against its workspace's window, so it is a needed call):
  create: TransactWriteItems (email and phone claims, contact, its search index items, activity/outbox) +
          UpdateItem (clear the outbox flag). The route also calls EventBridge PutEvents (the event goes out now
          instead of when the outbox drainer runs); it is not in the baseline: the ratio includes it.
  get:    GetItem
  list:   Query (page of 50)
The routes check their cached contact configuration (custom-field definitions, scoring rules) against the
version the caller's BatchGetItem reads with the session (contacts/config.py): no call of their own.

API and raw calls alternate, one request each, so both see the same background work: each created contact's
event is consumed by several queue workers in the same local cloud (on AWS, other Lambdas), and measuring all
API requests before all raw ones would charge that load to whichever ran first.
Run: python -m bench.contacts_api [--n 100]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3

from infra.local.cloud import LocalCloud
from leadpilot.ids import new_id


def _http(url: str, method: str, body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def _alternating(n: int, api: Callable[[int], Any], raw: Callable[[int], Any]) -> tuple[float, float]:
    """Mean seconds per call of `api` and of `raw`, called in turn."""
    spent = [0.0, 0.0]
    for i in range(n):
        for side, fn in enumerate((api, raw)):
            start = time.perf_counter()
            fn(i)
            spent[side] += time.perf_counter() - start
    return spent[0] / n, spent[1] / n


def _index_items_per_contact(cloud: LocalCloud, ws: str, user: str) -> int:
    """How many items beyond contact, claims and activity one create of the bench's body writes."""
    from leadpilot.contacts import fields, service
    from leadpilot.jobs.runner import acting_as

    identity = acting_as(ws, user)
    _, ops = service.new_contact_ops(identity, {"first_name": "C1", "email": "c1@bench.test", "phone": "+14155550001"},
                                     fields.active_definitions(ws))
    return ops.size() - 4  # contact, email claim, phone claim, activity


def _raw_calls(cloud: LocalCloud, ws: str, user: str, session: str,
               contact_ids: list[str]) -> dict[str, Callable[[int], Any]]:
    assert cloud.deployment is not None
    ddb = boto3.client("dynamodb")
    ident = cloud.deployment.resources["IdentityTable"].name
    crm = cloud.deployment.resources["CrmTable"].name
    auth_keys = {ident: {"Keys": [{"PK": {"S": f"SESSION#{session}"}, "SK": {"S": "SESSION"}},
                                  {"PK": {"S": f"WS#{ws}"}, "SK": {"S": f"MEMBER#{user}"}},
                                  {"PK": {"S": f"WS#{ws}"}, "SK": {"S": "WORKSPACE"}}], "ConsistentRead": True}}

    def admitted() -> None:
        ddb.batch_get_item(RequestItems=auth_keys)
        start = int(time.time()) // 60 * 60
        ddb.update_item(TableName=ident, Key={"PK": {"S": f"WS#{ws}#RATE#RAW"}, "SK": {"S": str(start)}},
                        UpdateExpression="ADD requests :one",
                        ConditionExpression="attribute_not_exists(requests) OR requests < :limit",
                        ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": "1200000"}})

    index_items = _index_items_per_contact(cloud, ws, user)

    def create(i: int) -> None:
        admitted()
        cid, aid = new_id(), new_id()
        email = f"raw{i}-{cid}@bench.test"
        now = {"S": "2026-01-01T00:00:00Z"}
        contact = {"PK": {"S": f"WS#{ws}#CONTACTS"}, "SK": {"S": f"CONTACT#{cid}"}, "kind": {"S": "contact"},
                   "contact_id": {"S": cid}, "workspace_id": {"S": ws}, "first_name": {"S": "Raw"},
                   "email": {"S": email}, "tags": {"L": []}, "version": {"N": "1"}, "created_at": now,
                   "updated_at": now, "created_by": {"S": user}}
        activity = {"PK": {"S": f"WS#{ws}#CONTACT#{cid}"}, "SK": {"S": f"ACTIVITY#{aid}"}, "kind": {"S": "activity"},
                    "GSI1PK": {"S": "OUTBOX"}, "GSI1SK": {"S": aid}, "event": {"M": {"id": {"S": aid}}}}
        claims = [{"PK": {"S": f"WS#{ws}#{kind}#{value}"}, "SK": {"S": "CLAIM"}, "contact_id": {"S": cid}}
                  for kind, value in (("EMAIL", email), ("PHONE", f"+1628{i:07d}"))]
        # The search index items a contact carries (name/email/phone prefixes, sort orders), as many as the API
        # writes for the same body.
        index = [{"PK": {"S": f"WS#{ws}#IDX#{n}"}, "SK": {"S": f"raw#{cid}"}, "contact_id": {"S": cid}}
                 for n in range(index_items)]
        cond = {"ConditionExpression": "attribute_not_exists(PK)"}
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": crm, "Item": it, **cond}}
                                                for it in (*claims, contact, activity, *index)])
        ddb.update_item(TableName=crm, Key={"PK": activity["PK"], "SK": activity["SK"]},
                        UpdateExpression="REMOVE GSI1PK, GSI1SK")

    def get(i: int) -> None:
        admitted()
        key = {"PK": {"S": f"WS#{ws}#CONTACTS"}, "SK": {"S": f"CONTACT#{contact_ids[i % len(contact_ids)]}"}}
        ddb.get_item(TableName=crm, Key=key, ConsistentRead=True)

    def list_page(_: int) -> None:
        admitted()
        ddb.query(TableName=crm, KeyConditionExpression="PK = :p AND begins_with(SK, :s)", Limit=51,
                  ExpressionAttributeValues={":p": {"S": f"WS#{ws}#CONTACTS"}, ":s": {"S": "CONTACT#"}})

    return {"create": create, "get": get, "list": list_page}


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # keep EMF lines out of the report
    with tempfile.TemporaryDirectory() as data, LocalCloud(data, port=0, seed=False) as cloud:
        url = cloud.api_url
        signup = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Bench", "email": "bench@bench.test",
                                                      "password": "bench-password-123", "name": "Bench"})
        token, ws, user = signup["access_token"], signup["workspace"]["id"], signup["user"]["id"]
        import jwt

        session = jwt.decode(token, options={"verify_signature": False})["sid"]
        ids: list[str] = []
        api = {
            "create": lambda i: ids.append(_http(f"{url}/contacts", "POST",
                                                 {"first_name": f"C{i}", "email": f"c{i}@bench.test",
                                                  "phone": f"+1415555{i % 10000:04d}"}, token)["id"]),
            "get": lambda i: _http(f"{url}/contacts/{ids[i % len(ids)]}", "GET", token=token),
            "list": lambda i: _http(f"{url}/contacts?limit=50", "GET", token=token),
        }
        raw = _raw_calls(cloud, ws, user, session, ids)
        results = {}
        print(f"contacts API through the gateway vs the raw DynamoDB calls it needs (n={args.n}, local cloud)")
        for name in ("create", "get", "list"):
            api_s, raw_s = _alternating(args.n, api[name], raw[name])
            results[name] = (api_s, raw_s)
            print(f"  {name:<7} API {api_s * 1000:7.1f} ms   raw DynamoDB {raw_s * 1000:7.1f} ms   "
                  f"ratio {api_s / raw_s:5.2f}")
        return results


if __name__ == "__main__":
    main()
