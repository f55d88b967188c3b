"""Identity inside moto: sign-up, login, sessions, throttling, invites, members, API keys."""
from __future__ import annotations

import json
from typing import Any

import boto3
import jwt

from leadpilot.identity.platform import set_platform_admin
from tests.integration.conftest import JWT_SECRET, sign_up
from tests.support.apps import Api

PASSWORD = "correct-horse-battery"


def _login(api: Api, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return api.post("/auth/login", {"email": email, "password": password, **extra})


def test_sign_up_creates_workspace_owner_and_a_working_session(api: Api, owner: dict[str, Any]) -> None:
    me = api.get("/me", token=owner["access_token"])
    assert me.status == 200
    assert me.body["workspace"]["id"] == owner["workspace"]["id"] and me.body["role"] == "owner"
    claims = jwt.decode(owner["access_token"], JWT_SECRET, algorithms=["HS256"], audience="leadpilot-api")
    assert claims["exp"] - claims["iat"] == 900 and claims["ws"] == owner["workspace"]["id"]


def test_sign_up_twice_with_one_email_is_409_and_writes_nothing(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    table = cloud.resources["IdentityTable"].name
    before = boto3.client("dynamodb").scan(TableName=table)["Count"]
    reply = api.post("/auth/signup", {"workspace_name": "Again", "email": owner["user"]["email"].upper(),
                                      "password": PASSWORD, "name": "Again"})
    assert reply.status == 409 and reply.body["error"]["details"]["field"] == "email"
    assert boto3.client("dynamodb").scan(TableName=table)["Count"] == before


def test_sign_up_validates_every_field(api: Api) -> None:
    base = {"workspace_name": "W", "email": "x@y.test", "password": PASSWORD, "name": "N"}
    for patch, field in [({"email": "nope"}, "email"), ({"password": "short"}, "password"),
                         ({"timezone": "Mars/Base"}, "timezone"), ({"default_region": "ZZ"}, "default_region"),
                         ({"role": "owner"}, "role")]:
        reply = api.post("/auth/signup", {**base, **patch})
        assert reply.status == 422, (patch, reply)
        assert field in [e["field"] for e in reply.body["error"]["details"]["errors"]], reply


def test_login_refresh_rotation_and_reuse_detection(api: Api, owner: dict[str, Any]) -> None:
    login = _login(api, owner["user"]["email"])
    assert login.status == 200 and login.body["workspace_id"] == owner["workspace"]["id"]
    first_refresh = login.body["refresh_token"]
    rotated = api.post("/auth/refresh", {"refresh_token": first_refresh})
    assert rotated.status == 200 and rotated.body["refresh_token"] != first_refresh
    assert api.get("/me", token=rotated.body["access_token"]).status == 200
    # When the old refresh token is replayed (stolen?), the whole session is revoked
    replay = api.post("/auth/refresh", {"refresh_token": first_refresh})
    assert replay.status == 401 and replay.body["error"]["details"]["reason"] == "reused"
    assert api.post("/auth/refresh", {"refresh_token": rotated.body["refresh_token"]}).status == 401
    assert api.get("/me", token=rotated.body["access_token"]).status == 401
    # While the owner's other session (from sign-up) is untouched
    assert api.get("/me", token=owner["access_token"]).status == 200


def test_logout_revokes_the_session_immediately(api: Api, owner: dict[str, Any]) -> None:
    assert api.post("/auth/logout", token=owner["access_token"]).status == 204
    assert api.get("/me", token=owner["access_token"]).status == 401
    assert api.post("/auth/refresh", {"refresh_token": owner["refresh_token"]}).status == 401


def test_wrong_password_then_lockout_even_for_the_right_password(api: Api, owner: dict[str, Any]) -> None:
    email = owner["user"]["email"]
    for _ in range(5):
        assert _login(api, email, "wrong-password-x").status == 401
    locked = _login(api, email)
    assert locked.status == 429 and locked.body["error"]["details"]["retry_after_seconds"] > 0
    # Unknown emails answer exactly like wrong passwords
    unknown = _login(api, "nobody@nowhere.test")
    assert unknown.status == 401 and unknown.body["error"]["message"] == "email or password is incorrect"


def test_invite_accept_and_roles(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    invite = api.post("/workspace/invites", {"email": "Member@Acme.test", "role": "member"}, token=token)
    assert invite.status == 201 and invite.body["token"].startswith("lpi_")
    assert [i["id"] for i in api.get("/workspace/invites", token=token).body["items"]] == [invite.body["id"]]
    joined = api.post("/auth/accept-invite", {"token": invite.body["token"], "password": PASSWORD, "name": "Mem"})
    assert joined.status == 200 and joined.body["member"]["role"] == "member"
    member_token = joined.body["access_token"]
    # The invite cannot be used twice
    again = api.post("/auth/accept-invite", {"token": invite.body["token"], "password": PASSWORD, "name": "Mem"})
    assert again.status == 404
    # A member cannot manage the workspace
    assert api.post("/workspace/invites", {"email": "x@acme.test"}, token=member_token).status == 403
    assert api.get("/workspace/api-keys", token=member_token).status == 403
    assert api.patch("/workspace", {"name": "Hijack"}, token=member_token).status == 403
    # But can work with contacts
    assert api.post("/contacts", {"first_name": "Z"}, token=member_token).status == 201
    # Only an owner promotes; the last owner cannot leave or be demoted
    member_id = joined.body["member"]["user_id"]
    assert api.patch(f"/workspace/members/{member_id}", {"role": "admin"}, token=token).status == 200
    assert api.patch(f"/workspace/members/{owner['user']['id']}", {"role": "member"}, token=token).status == 409
    assert api.delete(f"/workspace/members/{owner['user']['id']}", token=token).status == 409
    # Removing a member ends their access at once
    assert api.delete(f"/workspace/members/{member_id}", token=token).status == 204
    assert api.get("/me", token=member_token).status == 401


def test_existing_user_joins_a_second_workspace_and_logs_into_either(api: Api, owner: dict[str, Any]) -> None:
    other = sign_up(api, "Second")
    invite = api.post("/workspace/invites", {"email": owner["user"]["email"]}, token=other["access_token"]).body
    wrong = api.post("/auth/accept-invite", {"token": invite["token"], "password": "not-the-password"})
    assert wrong.status == 401
    joined = api.post("/auth/accept-invite", {"token": invite["token"], "password": PASSWORD})
    assert joined.status == 200 and joined.body["workspace"]["id"] == other["workspace"]["id"]
    into_second = _login(api, owner["user"]["email"], workspace_id=other["workspace"]["id"])
    assert into_second.status == 200 and into_second.body["workspace_id"] == other["workspace"]["id"]
    assert _login(api, owner["user"]["email"], workspace_id="01M80A45J90JMESM0AR82N1PFF").status == 401


def test_api_keys_shown_once_hashed_scoped_and_revocable(api: Api, owner: dict[str, Any], cloud: Any) -> None:
    token = owner["access_token"]
    read_key = api.post("/workspace/api-keys", {"name": "Zapier", "scopes": ["read"]}, token=token).body
    write_key = api.post("/workspace/api-keys", {"name": "Importer", "scopes": ["write"]}, token=token).body
    assert write_key["scopes"] == ["read", "write"]
    # The secret is never stored
    dump = json.dumps(boto3.client("dynamodb").scan(TableName=cloud.resources["IdentityTable"].name)["Items"])
    assert read_key["key"].split("_", 2)[2] not in dump
    listed = api.get("/workspace/api-keys", token=token).body["items"]
    assert {k["id"] for k in listed} == {read_key["id"], write_key["id"]} and all("key" not in k for k in listed)
    # Scopes are enforced; both header styles work
    assert api.get("/contacts", token=read_key["key"]).status == 200
    assert api.post("/contacts", {"first_name": "A"}, token=read_key["key"]).status == 403
    assert api.post("/contacts", {"first_name": "A"}, headers={"X-Api-Key": write_key["key"]}).status == 201
    # Keys never manage the workspace
    assert api.get("/workspace/api-keys", token=write_key["key"]).status == 403
    # Last use is recorded
    used = {k["id"]: k for k in api.get("/workspace/api-keys", token=token).body["items"]}
    assert used[read_key["id"]]["last_used_at"] is not None
    # Revocation is immediate
    assert api.delete(f"/workspace/api-keys/{read_key['id']}", token=token).status == 204
    assert api.get("/contacts", token=read_key["key"]).status == 401
    tampered = read_key["key"][:-3] + "abc"
    assert api.get("/contacts", token=write_key["key"][:-3] + "abc").status == 401 and tampered


def test_platform_admin_lists_workspaces_others_get_403(api: Api, owner: dict[str, Any]) -> None:
    sign_up(api, "Other")
    assert api.get("/platform/workspaces", token=owner["access_token"]).status == 403
    set_platform_admin(owner["user"]["email"])
    admin = _login(api, owner["user"]["email"]).body["access_token"]
    listed = api.get("/platform/workspaces", token=admin)
    assert listed.status == 200 and len(listed.body["items"]) == 2


def test_workspace_settings_update(api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    reply = api.patch("/workspace", {"default_region": "gb", "timezone": "Europe/London"}, token=token)
    assert reply.status == 200 and reply.body["default_region"] == "GB"
    assert api.post("/contacts", {"first_name": "A", "phone": "020 7946 0018"}, token=token).body["phone"] == \
        "+442079460018"
    bad = api.patch("/workspace", {"timezone": "Nowhere"}, token=token)
    assert bad.status == 422 and bad.body["error"]["details"]["errors"][0]["field"] == "timezone"
