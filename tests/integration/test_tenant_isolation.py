"""Tenant isolation: every route of every app, enumerated from the apps themselves.

For every route that takes an id, workspace B's credentials with workspace A's ids get 404 and
never A's data, and A's data is unchanged afterwards. Every authenticated route refuses a
missing, malformed, expired or forged token with 401. A new route fails this suite until it is
listed here with the ids and the body it needs.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

import jwt
import pytest

from tests.integration import isolation
from tests.integration.conftest import JWT_SECRET, seeded_once, sign_up
from tests.support.apps import Api, chalice_apps, template_routes

PUBLIC: set[tuple[str, str]] = set().union(*(getattr(m, "PUBLIC", set()) for m in isolation.modules()))
# Platform-administration routes: no tenant may call them, so another workspace's ids get 403 there, not 404.
PLATFORM: set[tuple[str, str]] = set().union(
    *(getattr(m, "PLATFORM", set()) for m in isolation.modules()),
    {("GET", "/platform/audit"), ("POST", "/platform/impersonations"),
     ("DELETE", "/platform/impersonations/{impersonation_id}")})
BODIES: dict[tuple[str, str], Any] = {k: v for m in isolation.modules() for k, v in m.BODIES.items()}


def _all_routes() -> list[tuple[str, str]]:
    routes = []
    for app in chalice_apps().values():
        for path, methods in app.routes.items():
            routes.extend((method, path) for method in methods)
    return sorted(routes)


def test_template_and_apps_declare_the_same_routes() -> None:
    declared = {(r.method, r.path) for r in template_routes()}
    assert declared == set(_all_routes())


@pytest.fixture
def tenants(api: Api) -> dict[str, Any]:
    """Workspace A with one of everything that has an id (seeded by every capability); workspace B. Seeded through
    the API once per worker, then put back for each test (`seeded_once`)."""
    return seeded_once("tenants", lambda: _seed(api))


def _seed(api: Api) -> dict[str, Any]:
    a, b = sign_up(api, "Alpha"), sign_up(api, "Beta")
    ids: dict[str, str] = {}
    for module in isolation.modules():
        ids.update(module.seed(api, a["access_token"]))
    secrets = set(ids.values()) | {a["workspace"]["id"]}
    for module in isolation.modules():
        secrets |= getattr(module, "secrets", lambda _ids: set())(ids)
    return {"a": a, "b": b, "ids": ids, "secrets": secrets}


def _fill(path: str, ids: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"route parameter {{{name}}} is not covered by the tenant-isolation suite"
        return ids[name]

    return re.sub(r"\{([^}]+)\}", one, path)


def _snapshot(api: Api, tenants: dict[str, Any]) -> dict[str, Any]:
    token = tenants["a"]["access_token"]
    return {m.__name__: m.snapshot(api, token, tenants["ids"]) for m in isolation.modules() if hasattr(m, "snapshot")}


def test_workspace_b_gets_404_for_every_id_of_workspace_a(api: Api, tenants: dict[str, Any]) -> None:
    before = _snapshot(api, tenants)
    secrets = tenants["secrets"]
    checked = 0
    for credential in (tenants["b"]["access_token"], _b_api_key(api, tenants)):
        for method, path in _all_routes():
            if (method, path) in PUBLIC or "{" not in path:
                continue
            reply = api.call(method, _fill(path, tenants["ids"]), BODIES.get((method, path)), token=credential)
            if (method, path) in PLATFORM:
                assert reply.status == 403 and reply.body["error"]["code"] == "forbidden", (method, path, reply)
            else:
                assert reply.status == 404 or (reply.status == 403 and credential.startswith("lpk_")), (method, path,
                                                                                                      reply)
            assert not any(s in reply.raw for s in secrets), (method, path, reply)
            checked += 1
    assert checked >= 2 * 8
    assert _snapshot(api, tenants) == before


def _b_api_key(api: Api, tenants: dict[str, Any]) -> str:
    return api.post("/workspace/api-keys", {"name": "b", "scopes": ["write"]},
                    token=tenants["b"]["access_token"]).body["key"]


def test_workspace_b_never_sees_workspace_a_data_on_collection_routes(api: Api, tenants: dict[str, Any]) -> None:
    secrets = tenants["secrets"]
    token = tenants["b"]["access_token"]
    for method, path in _all_routes():
        if (method, path) in PUBLIC or "{" in path or (method, path) in PLATFORM:
            continue
        if (method, path) == ("POST", "/auth/logout"):
            continue  # would end B's session for the rest of the loop; covered by the 401 test
        reply = api.call(method, path, BODIES.get((method, path)), token=token)
        assert reply.status < 500, (method, path, reply)
        assert not any(s in reply.raw for s in secrets), (method, path, reply)


def test_platform_routes_refuse_every_tenant_with_403(api: Api, tenants: dict[str, Any]) -> None:
    # Given the owners of two workspaces, neither a platform administrator
    checked = 0
    for tenant in (tenants["a"], tenants["b"]):
        for method, path in _all_routes():
            if not path.startswith("/platform/"):
                continue
            # When either calls a platform route, with a valid body where it takes one
            reply = api.call(method, _fill(path, tenants["ids"]), BODIES.get((method, path)),
                             token=tenant["access_token"])
            # Then it is refused, and nothing of another workspace is in the answer
            assert reply.status == 403, (method, path, reply)
            assert tenants["a"]["workspace"]["id"] not in reply.raw
            checked += 1
    assert checked >= 2 * 6


def _tokens(tenants: dict[str, Any]) -> dict[str, str]:
    now = int(time.time())
    a = tenants["a"]
    claims = jwt.decode(a["access_token"], JWT_SECRET, algorithms=["HS256"], audience="leadpilot-api")
    expired = jwt.encode({**claims, "iat": now - 3600, "exp": now - 60}, JWT_SECRET, algorithm="HS256")
    forged = jwt.encode({**claims, "exp": now + 600}, "an-attacker-secret-0123456789abcdef012", algorithm="HS256")
    none_alg = jwt.encode({**claims, "exp": now + 600}, None, algorithm="none")  # type: ignore[arg-type]
    return {"missing": "", "malformed": "not.a.jwt", "expired": expired, "forged": forged, "none-alg": none_alg,
            "bad-api-key": "lpk_01M80A45J90JMESM0AR82N1PFF_" + "x" * 43}


def test_missing_expired_or_forged_credentials_get_401_everywhere(api: Api, tenants: dict[str, Any]) -> None:
    for name, token in _tokens(tenants).items():
        for method, path in _all_routes():
            if (method, path) in PUBLIC:
                continue
            reply = api.call(method, _fill(path, tenants["ids"]), BODIES.get((method, path)), token=token or None)
            assert reply.status == 401, (name, method, path, reply)
            assert reply.body["error"]["code"] == "unauthorized"


def test_a_workspace_id_in_the_body_or_query_is_ignored(api: Api, tenants: dict[str, Any]) -> None:
    b = tenants["b"]["access_token"]
    a_ws = tenants["a"]["workspace"]["id"]
    reply = api.post("/contacts", {"first_name": "X", "workspace_id": a_ws}, token=b)
    assert reply.status == 422  # unknown field, never honoured
    listed = api.get(f"/contacts?workspace_id={a_ws}", token=b)
    assert tenants["ids"]["contact_id"] not in listed.raw


def test_public_routes_do_not_leak_other_workspaces(api: Api, tenants: dict[str, Any]) -> None:
    # A refresh token of A cannot be turned into B's session and vice versa; bad tokens are 401
    assert api.post("/auth/refresh", {"refresh_token": "lpr_bogus"}).status == 401
    assert api.post("/auth/accept-invite", {"token": "lpi_01M80A45J90JMESM0AR82N1PFF_" + "x" * 43,
                                            "password": "whatever-password"}).status == 404
    reply = api.post("/auth/refresh", {"refresh_token": tenants["a"]["refresh_token"]})
    assert json.dumps(reply.body).count(tenants["b"]["workspace"]["id"]) == 0
