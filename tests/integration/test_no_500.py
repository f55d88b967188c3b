"""No input produces a 500: random bodies, ids and query strings against every route."""
from __future__ import annotations

import json
import random
import string
from typing import Any

from tests.integration.test_tenant_isolation import PUBLIC, _all_routes
from tests.support.apps import Api

FIELDS = ["first_name", "last_name", "email", "phone", "company", "source", "tags", "name", "role", "scopes",
          "workspace_name", "password", "timezone", "default_region", "token", "refresh_token", "workspace_id"]


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 1.5, float("1e308")])
    if kind in (3, 4, 5):
        alphabet = string.printable + "é漢\u0000\ud7ff🙂"
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 40, 300])))
    if kind in (6, 7):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(FIELDS): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _body(rng: random.Random) -> str:
    choice = rng.randrange(6)
    if choice == 0:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(30)))
    if choice == 1:
        return json.dumps(_value(rng))
    return json.dumps({rng.choice(FIELDS): _value(rng) for _ in range(rng.randrange(1, 6))})


def test_random_input_never_produces_a_500(api: Api, owner: dict[str, Any]) -> None:
    rng = random.Random(20261122)
    token = owner["access_token"]
    ids = ["01M80A45J90JMESM0AR82N1PFF", "x", "0" * 26, "%00", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "..%2Fetc", "a b"]
    for method, path in _all_routes():
        for _ in range(25):
            concrete = path
            while "{" in concrete:
                start, end = concrete.index("{"), concrete.index("}")
                concrete = concrete[:start] + rng.choice(ids) + concrete[end + 1:]
            query = rng.choice(["", "?limit=abc", "?limit=5", "?cursor=!!", "?cursor=AAAA", "?limit=999999999999"])
            if method == "POST" and path == "/auth/logout":
                continue  # a successful logout would end the owner's session for the rest of the run
            reply = api.call(method, concrete + (query if method == "GET" else ""), raw=_body(rng),
                             token=None if (method, path) in PUBLIC else token)
            assert reply.status < 500, (method, concrete, reply)
            if reply.status >= 400:
                assert set(reply.body["error"]) == {"code", "message", "details"}, reply
