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

from tests.integration.conftest import JWT_SECRET, sign_up
from tests.support.apps import Api, chalice_apps, template_routes

PUBLIC = {("POST", "/auth/signup"), ("POST", "/auth/login"), ("POST", "/auth/refresh"),
          ("POST", "/auth/accept-invite")}
PLATFORM = {("GET", "/platform/workspaces")}
# A valid body per route, so that a refusal comes from the id lookup, not from validation.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/contacts/{contact_id}"): {"company": "Stolen Inc"},
    ("PATCH", "/workspace/members/{user_id}"): {"role": "member"},
    ("POST", "/contacts"): {"first_name": "B's contact"},
    ("PATCH", "/workspace"): {"name": "Renamed"},
    ("POST", "/workspace/invites"): {"email": "new@b.test"},
    ("POST", "/workspace/api-keys"): {"name": "b-key"},
}


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
    """Workspace A with one of everything that has an id; workspace B's owner."""
    a, b = sign_up(api, "Alpha"), sign_up(api, "Beta")
    token = a["access_token"]
    contact = api.post("/contacts", {"first_name": "Secret", "email": "secret@alpha.test"}, token=token).body
    invite = api.post("/workspace/invites", {"email": "member@alpha.test"}, token=token).body
    joined = api.post("/auth/accept-invite", {"token": invite["token"], "password": "member-password-1",
                                              "name": "Alpha Member"}).body
    pending = api.post("/workspace/invites", {"email": "later@alpha.test"}, token=token).body
    key = api.post("/workspace/api-keys", {"name": "alpha-key", "scopes": ["write"]}, token=token).body
    ids = {"contact_id": contact["id"], "user_id": joined["member"]["user_id"], "invite_id": pending["id"],
           "key_id": key["id"]}
    return {"a": a, "b": b, "ids": ids, "a_key": key["key"], "contact": contact}


def _fill(path: str, ids: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"route parameter {{{name}}} is not covered by the tenant-isolation suite"
        return ids[name]

    return re.sub(r"\{([^}]+)\}", one, path)


def _snapshot(api: Api, tenants: dict[str, Any]) -> dict[str, Any]:
    token = tenants["a"]["access_token"]
    return {"contact": api.get(f"/contacts/{tenants['ids']['contact_id']}", token=token).body,
            "members": api.get("/workspace/members", token=token).body,
            "invites": api.get("/workspace/invites", token=token).body,
            "keys": api.get("/workspace/api-keys", token=token).body,
            "workspace": api.get("/workspace", token=token).body}


def test_workspace_b_gets_404_for_every_id_of_workspace_a(api: Api, tenants: dict[str, Any]) -> None:
    before = _snapshot(api, tenants)
    secrets = set(tenants["ids"].values()) | {tenants["a"]["workspace"]["id"], "secret@alpha.test"}
    checked = 0
    for credential in (tenants["b"]["access_token"], _b_api_key(api, tenants)):
        for method, path in _all_routes():
            if (method, path) in PUBLIC or "{" not in path:
                continue
            reply = api.call(method, _fill(path, tenants["ids"]), BODIES.get((method, path)), token=credential)
            assert reply.status == 404 or (reply.status == 403 and credential.startswith("lpk_")), (method, path, reply)
            assert not any(s in reply.raw for s in secrets), (method, path, reply)
            checked += 1
    assert checked >= 2 * 8
    assert _snapshot(api, tenants) == before


def _b_api_key(api: Api, tenants: dict[str, Any]) -> str:
    return api.post("/workspace/api-keys", {"name": "b", "scopes": ["write"]},
                    token=tenants["b"]["access_token"]).body["key"]


def test_workspace_b_never_sees_workspace_a_data_on_collection_routes(api: Api, tenants: dict[str, Any]) -> None:
    secrets = set(tenants["ids"].values()) | {tenants["a"]["workspace"]["id"], "secret@alpha.test"}
    token = tenants["b"]["access_token"]
    for method, path in _all_routes():
        if (method, path) in PUBLIC or "{" in path or (method, path) in PLATFORM:
            continue
        if (method, path) == ("POST", "/auth/logout"):
            continue  # would end B's session for the rest of the loop; covered by the 401 test
        reply = api.call(method, path, BODIES.get((method, path)), token=token)
        assert reply.status < 500, (method, path, reply)
        assert not any(s in reply.raw for s in secrets), (method, path, reply)


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
