"""The audit log and support access inside moto: what is recorded (actor, subject, source IP, changes, never a
secret), who may read it, its retention, and impersonation from start to end."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import jwt

from leadpilot.db.base import _connection
from leadpilot.identity.platform import set_platform_admin
from leadpilot.settings import get_settings
from tests.integration.conftest import JWT_SECRET, drain_queue, receive_events, sign_up
from tests.integration.platform_helpers import run_jobs
from tests.integration.test_email_helpers import deliver as deliver_emails
from tests.integration.test_email_helpers import send as send_email
from tests.integration.test_email_helpers import verified_sender
from tests.support.apps import Api, load_module, template_routes

PASSWORD = "correct-horse-battery"
LOCAL_IP = "127.0.0.1"  # what the Chalice test client reports as the caller's address


def _log(api: Api, token: str, query: str = "") -> list[dict[str, Any]]:
    reply = api.get(f"/workspace/audit?limit=200{query}", token=token)
    assert reply.status == 200, reply
    return list(reply.body["items"])


def _one(entries: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [e for e in entries if e["action"] == action]
    assert len(found) == 1, (action, [e["action"] for e in entries])
    return found[0]


def _named(reply: Any) -> str:
    """The field a refusal names: details.field, else the first of details.errors."""
    details = reply.body["error"]["details"]
    return str(details["field"]) if "field" in details else str(details["errors"][0]["field"])


def _crm_item(cloud: Any, pk: str, sk: str) -> dict[str, Any]:
    table = cloud.resources["CrmTable"].name
    return dict(boto3.client("dynamodb").get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}})["Item"])


@contextmanager
def _meanwhile(change: Callable[[], Any]) -> Iterator[None]:
    """Make `change` (another writer's) just before the next DynamoDB transaction is sent: it wins the race."""
    events = _connection(get_settings().region).client.meta.events
    pending = [change]

    def before(**_: Any) -> None:
        while pending:
            pending.pop()()

    events.register_first("before-call.dynamodb.TransactWriteItems", before)
    try:
        yield
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", before)


def _stored_events(cloud: Any) -> list[dict[str, Any]]:
    """The domain events the outbox holds (every activity item's `event`; a whole-table scan: tests only)."""
    items = boto3.resource("dynamodb").Table(cloud.resources["CrmTable"].name).scan()["Items"]
    return [item["event"] for item in items if isinstance(item.get("event"), dict)]


def _team(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A workspace's owner (sign-up reply) and a member who joined by invite (accept reply)."""
    owner = sign_up(api, "Audited")
    invite = api.post("/workspace/invites", {"email": "mem@audited.test"}, token=owner["access_token"]).body
    member = api.post("/auth/accept-invite", {"token": invite["token"], "password": PASSWORD, "name": "Mem"}).body
    return owner, member


def test_security_actions_are_recorded_with_actor_ip_and_changes(api: Api, cloud: Any) -> None:
    # Given a workspace whose owner invited a member who joined
    owner, member = _team(api)
    token, email, member_id = owner["access_token"], owner["user"]["email"], member["member"]["user_id"]

    # When the owner fails to log in once, logs in, promotes the member, makes and revokes an API key,
    # renames the workspace, and someone tries an email that has no account
    failed = api.post("/auth/login", {"email": email, "password": "not-the-password"})
    unknown = api.post("/auth/login", {"email": "nobody@audited.test", "password": "not-the-password"})
    assert api.post("/auth/login", {"email": email, "password": PASSWORD}).status == 200
    assert api.patch(f"/workspace/members/{member_id}", {"role": "admin"}, token=token).status == 200
    key = api.post("/workspace/api-keys", {"name": "zapier", "scopes": ["write"]}, token=token).body
    assert api.delete(f"/workspace/api-keys/{key['id']}", token=token).status == 204
    assert api.patch("/workspace", {"name": "Audited Ltd", "timezone": "UTC"}, token=token).status == 200
    assert api.post("/auth/logout", token=member["access_token"]).status == 204

    # Then a failed login answers the same whether the account exists or not
    assert failed.status == unknown.status == 401 and failed.body == unknown.body
    # And the log lists every action newest first, each with its actor, the source IP and what changed
    entries = _log(api, token)
    assert [e["action"] for e in entries] == [
        "auth.logout", "workspace.updated", "api_key.revoked", "api_key.created", "member.role_changed",
        "auth.login", "auth.login_failed", "invite.accepted", "invite.sent", "workspace.created"]
    owner_actor = {"type": "user", "id": owner["user"]["id"], "email": email}
    assert all(e["source_ip"] == LOCAL_IP and e["workspace_id"] == owner["workspace"]["id"] for e in entries)
    assert _one(entries, "auth.login_failed")["actor"] == owner_actor
    assert _one(entries, "invite.accepted")["actor"]["id"] == _one(entries, "auth.logout")["actor"]["id"] == member_id
    role = _one(entries, "member.role_changed")
    assert role["actor"] == owner_actor and role["subject"] is None
    assert role["target"] == {"type": "user", "id": member_id, "email": "mem@audited.test"}
    assert role["changes"] == {"role": {"before": "member", "after": "admin"}}
    assert _one(entries, "workspace.updated")["changes"] == {
        "name": {"before": "Audited", "after": "Audited Ltd"},
        "timezone": {"before": "America/New_York", "after": "UTC"}}
    created = _one(entries, "api_key.created")
    assert created["target"]["id"] == key["id"] and created["changes"]["scopes"]["after"] == ["read", "write"]
    # And no secret is ever written: not the key, not the invite token, not a password
    raw = api.get("/workspace/audit?limit=200", token=token).raw
    assert key["key"] not in raw and PASSWORD not in raw and "not-the-password" not in raw

    # When the log is filtered by action, by actor and by time
    assert [e["action"] for e in _log(api, token, "&action=auth.login_failed")] == ["auth.login_failed"]
    assert {e["action"] for e in _log(api, token, f"&actor={member_id}")} == {"auth.logout", "invite.accepted"}
    assert _log(api, token, "&since=2999-01-01T00:00:00Z") == []
    assert len(_log(api, token, "&until=2999-01-01T00:00:00Z&since=2020-01-01T00:00:00Z")) == len(entries)
    # Then bad filters are 422s naming the parameter
    for query, field in (("since=yesterday", "since"), ("action=DROP%20TABLE", "action"), ("actor=x", "actor"),
                         ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until")):
        reply = api.get(f"/workspace/audit?{query}", token=token)
        assert reply.status in (400, 422) and _named(reply) == field, (query, reply)

    # When another writer wins the race just before a role change's or a revocation's transaction is sent
    # (the member is removed; the key revoked)
    identity_table = boto3.resource("dynamodb").Table(cloud.resources["IdentityTable"].name)
    other = api.post("/workspace/api-keys", {"name": "other", "scopes": ["read"]}, token=token).body
    with _meanwhile(lambda: identity_table.delete_item(Key={"PK": f"WS#{owner['workspace']['id']}",
                                                             "SK": f"MEMBER#{member_id}"})):
        promoted = api.patch(f"/workspace/members/{member_id}", {"role": "owner"}, token=token)
    with _meanwhile(lambda: identity_table.update_item(
            Key={"PK": f"APIKEY#{other['id']}", "SK": "APIKEY"}, UpdateExpression="SET revoked_at = :at",
            ExpressionAttributeValues={":at": "2026-01-01T00:00:00Z"})):
        revoked = api.delete(f"/workspace/api-keys/{other['id']}", token=token)
    invite = api.post("/workspace/invites", {"email": "third@audited.test"}, token=token).body
    third = api.post("/auth/accept-invite", {"token": invite["token"], "password": PASSWORD, "name": "Third"}
                     ).body["member"]
    with _meanwhile(lambda: identity_table.delete_item(Key={"PK": f"WS#{owner['workspace']['id']}",
                                                             "SK": f"MEMBER#{third['user_id']}"})):
        removed = api.delete(f"/workspace/members/{third['user_id']}", token=token)
    # Then the failed changes leave no audit entry: the role change and the removal are 404s, the revocation was
    # already done
    assert (promoted.status, removed.status, revoked.status) == (404, 404, 204), (promoted, removed, revoked)
    after = _log(api, token)
    assert [e["action"] for e in after if e["action"] in ("member.role_changed", "api_key.revoked",
                                                          "member.removed")] == ["api_key.revoked",
                                                                                 "member.role_changed"]
    assert [e["target"]["id"] for e in after if e["action"] == "api_key.created"] == [other["id"], key["id"]]


def test_data_leaving_and_settings_changing_are_recorded_too(api: Api, cloud: Any) -> None:
    # Given a workspace with a contact
    owner = sign_up(api, "Exporting")
    token = owner["access_token"]
    contact = api.post("/contacts", {"first_name": "Ada", "email": "ada@example.com"}, token=token).body["id"]

    # When the owner exports the workspace and the contact, erases the contact, changes the plan and the texting
    # settings, and adds, rotates and removes a webhook endpoint whose URL holds a token
    assert api.post("/exports", {}, token=token).status == 201
    assert api.get(f"/contacts/{contact}/export", token=token).status == 200
    assert api.post(f"/contacts/{contact}/erase", token=token).status == 200
    assert api.call("PUT", "/usage/limits", {"plan": "growth"}, token=token).status == 200
    assert api.call("PUT", "/messaging/settings", {"business_name": "Exporting Co"}, token=token).status == 200
    hook = api.post("/webhooks/endpoints", {"url": "https://hooks.example.com/catch/tok3n-in-path",
                                            "event_types": ["deal.won"]}, token=token).body
    rotated = api.post(f"/webhooks/endpoints/{hook['id']}/rotate-secret", token=token).body
    assert api.delete(f"/webhooks/endpoints/{hook['id']}", token=token).status == 204

    # Then each is an entry with what changed
    entries = _log(api, token)
    assert [e["action"] for e in entries][:9] == [
        "webhook.endpoint_deleted", "webhook.secret_rotated", "webhook.endpoint_created",
        "messaging.settings_changed", "usage.limits_changed", "contact.erased", "contact.exported", "export.started",
        "workspace.created"]
    assert _one(entries, "usage.limits_changed")["changes"]["plan"] == {"before": "starter", "after": "growth"}
    assert _one(entries, "messaging.settings_changed")["changes"]["business_name"]["after"] == "Exporting Co"
    assert _one(entries, "export.started")["changes"]["scope"] == {"before": None, "after": "workspace"}
    assert _one(entries, "contact.erased")["target"] == {"type": "contact", "id": contact}
    # And neither a signing secret nor the token in a hook's URL is kept, only the hook's host
    assert _one(entries, "webhook.secret_rotated")["target"]["host"] == "hooks.example.com"
    raw = api.get("/workspace/audit?limit=200", token=token).raw
    assert hook["secret"] not in raw and rotated["secret"] not in raw and "tok3n" not in raw


def test_only_owners_and_admins_read_the_log_and_only_owners_set_its_retention(api: Api, cloud: Any) -> None:
    # Given a workspace with a member and an API key
    owner, member = _team(api)
    token, member_token = owner["access_token"], member["access_token"]
    key = api.post("/workspace/api-keys", {"name": "k", "scopes": ["write"]}, token=token).body["key"]

    # When a member or an API key reads the log, or an admin sets the retention
    # Then each is refused
    assert api.get("/workspace/audit", token=member_token).status == 403
    assert api.get("/workspace/audit", token=key).status == 403
    assert api.get("/workspace/support-access", token=key).status == 403
    assert api.get("/platform/audit", token=token).status == 403
    api.patch(f"/workspace/members/{member['member']['user_id']}", {"role": "admin"}, token=token)
    assert api.get("/workspace/audit", token=member_token).status == 200  # an admin reads it
    assert api.call("PUT", "/workspace/audit-settings", {"retention_days": 90}, token=member_token).status == 403

    # When the owner sets a retention out of range, then a valid one
    bad = api.call("PUT", "/workspace/audit-settings", {"retention_days": 10}, token=token)
    assert bad.status == 422 and _named(bad) == "retention_days"
    assert api.get("/workspace/audit-settings", token=token).body == {"retention_days": 400}
    put = api.call("PUT", "/workspace/audit-settings", {"retention_days": 30}, token=token)

    # Then it holds, the change is itself an entry, and entries from now on expire 30 days after they are written
    assert put.status == 200 and put.body == {"retention_days": 30}
    assert api.get("/workspace/audit-settings", token=token).body == {"retention_days": 30}
    entry = _log(api, token)[0]
    assert entry["action"] == "audit.settings_changed"
    assert entry["changes"] == {"retention_days": {"before": 400, "after": 30}}
    stored = _crm_item(cloud, f"WS#{owner['workspace']['id']}#AUDITLOG", f"ENTRY#{entry['id']}")
    assert abs(int(stored["expires_at"]["N"]) - (time.time() + 30 * 86_400)) < 120

    # And no route changes or removes an entry: the log's only writes are its retention and support sessions
    writes = {(r.method, r.path) for r in template_routes() if r.method != "GET" and "audit" in r.path}
    assert writes == {("PUT", "/workspace/audit-settings")}


def _other_member_token(api: Api, owner: dict[str, Any]) -> str:
    """The token of another plain member of the owner's workspace (support never acted as them)."""
    invite = api.post("/workspace/invites", {"email": "other@audited.test"}, token=owner["access_token"]).body
    joined = api.post("/auth/accept-invite", {"token": invite["token"], "password": PASSWORD, "name": "Other"})
    return str(joined.body["access_token"])


def _platform_admin(api: Api) -> dict[str, Any]:
    admin = sign_up(api, "Support")
    set_platform_admin(admin["user"]["email"])
    return dict(api.post("/auth/login", {"email": admin["user"]["email"], "password": PASSWORD}).body)


def test_an_impersonation_is_marked_recorded_visible_and_ends(api: Api, cloud: Any) -> None:
    # Given a platform admin, and a workspace with an owner and a member
    admin = _platform_admin(api)
    admin_token, admin_id = admin["access_token"], admin["user"]["id"]
    owner, member = _team(api)
    ws, user_id = owner["workspace"]["id"], member["member"]["user_id"]
    own_contact = api.post("/contacts", {"first_name": "Admin's own"}, token=admin_token).body["id"]
    receive_events(cloud)
    body = {"workspace_id": ws, "user_id": user_id, "reason": "Ticket 4411: their import fails", "minutes": 20}

    # When a non-admin tries, or the admin leaves out the reason or asks for too long or for a stranger
    # Then each is refused, naming the field
    assert api.post("/platform/impersonations", body, token=owner["access_token"]).status == 403
    for patch, status, field in (({"reason": None}, 422, "reason"), ({"minutes": 61}, 422, "minutes"),
                                 ({"user_id": admin_id}, 404, "user_id")):
        sent = {k: v for k, v in {**body, **patch}.items() if v is not None}
        reply = api.post("/platform/impersonations", sent, token=admin_token)
        assert reply.status == status and _named(reply) == field, (patch, reply)

    # When the admin starts one with a reason
    started = api.post("/platform/impersonations", body, token=admin_token)
    assert started.status == 201, started
    session, token = started.body, started.body["access_token"]

    # Then the token acts as the user (sub) on behalf of the admin (act), for 20 minutes, with no refresh token
    claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience="leadpilot-api")
    assert claims["sub"] == user_id and claims["act"] == {"sub": admin_id} and claims["ws"] == ws
    assert claims["exp"] - claims["iat"] == 20 * 60 and "refresh_token" not in session
    me = api.get("/me", token=token).body
    assert me["workspace"]["id"] == ws and me["principal"]["id"] == user_id and me["platform_admin"] is False
    assert me["impersonated_by"] == {"id": admin_id, "email": admin["user"]["email"]}
    # And it reaches only that workspace, without the admin's platform powers
    assert api.get(f"/contacts/{own_contact}", token=token).status == 404
    assert api.get("/platform/workspaces", token=token).status == 403
    assert api.post("/platform/impersonations", body, token=token).status == 403

    # When the admin changes something as the user
    contact = api.post("/contacts", {"first_name": "Made by support"}, token=token)
    export = api.post("/exports", {"contact_ids": [contact.body["id"]]}, token=token)
    assert contact.status == 201 and export.status == 201

    # Then the event names the admin as actor and the user as subject, and its schema allows it
    [event] = [e["detail"] for e in receive_events(cloud) if e["detail-type"] == "contact.created"]
    assert event["actor"] == {"type": "user", "id": admin_id} and event["subject"] == {"type": "user", "id": user_id}
    # And so do the events of the work it queued: a bulk tag (the jobs worker), a text and an email (the send
    # workers; an email's events name the email system as actor, and the user as subject)
    assert api.post("/phone-numbers", {"number": "+14155550100"}, token=owner["access_token"]).status == 201
    verified_sender(api, owner["access_token"])
    texted = api.post("/contacts", {"first_name": "Tex", "phone": "+14155550123", "email": "tex@example.com"},
                      token=token).body["id"]
    assert api.post("/bulk-actions", {"action": "tag", "contact_ids": [texted], "tags": ["vip"]},
                    token=token).status == 201
    assert api.post("/sms", {"contact_id": texted, "body": "Hello from support"}, token=token).status == 202
    assert send_email(api, token, texted).status == 202
    receive_events(cloud)
    run_jobs(cloud)
    drain_queue(cloud, "SmsSendQueue", load_module("functions/messaging").on_send)
    deliver_emails(cloud)
    [tagged] = [e["detail"] for e in receive_events(cloud) if e["detail-type"] == "contact.tag_added"]
    [sent] = [e for e in _stored_events(cloud) if e["type"] == "sms.sent"]
    for queued in (tagged, sent):
        assert queued["actor"] == {"type": "user", "id": admin_id}, queued
        assert queued["subject"] == {"type": "user", "id": user_id}, queued
    [mailed] = [e for e in _stored_events(cloud) if e["type"] == "email.sent"]
    assert mailed["subject"] == {"type": "user", "id": user_id}, mailed
    # And so do the audit entries, while the workspace's and the platform's logs both show the session's start
    entries = _log(api, owner["access_token"])
    made = _one(entries, "export.started")
    assert made["actor"] == {"type": "user", "id": admin_id, "email": admin["user"]["email"]}
    assert made["subject"] == {"type": "user", "id": user_id, "email": "mem@audited.test"}
    start = _one(entries, "support.impersonation_started")
    assert start["actor"]["id"] == admin_id and start["subject"]["id"] == user_id
    assert start["changes"]["reason"]["after"] == body["reason"] and start["source_ip"] == LOCAL_IP
    platform = api.get("/platform/audit?action=support.impersonation_started", token=admin_token)
    assert [e["target"]["id"] for e in platform.body["items"]] == [session["id"]]
    granted = api.get("/platform/audit?action=platform.admin_granted", token=admin_token).body["items"]
    assert [e["target"]["id"] for e in granted] == [admin_id]
    # And the workspace sees support's access, and the user was told
    access = api.get("/workspace/support-access", token=owner["access_token"]).body["items"]
    assert [(a["id"], a["admin"]["id"], a["user"]["id"], a["reason"], a["status"]) for a in access] == [
        (session["id"], admin_id, user_id, body["reason"], "active")]
    notes = api.get("/notifications", token=member["access_token"]).body["items"]
    assert [n["type"] for n in notes] == ["support_access"] and body["reason"] in notes[0]["body"]
    mine = api.get("/workspace/support-access", token=member["access_token"]).body["items"]
    assert [a["id"] for a in mine] == [session["id"]]
    assert api.get("/workspace/support-access", token=_other_member_token(api, owner)).body["items"] == []

    # When the admin ends it early (twice), or names one that does not exist
    assert api.delete(f"/platform/impersonations/{session['id']}", token=admin_token).status == 204
    assert api.delete(f"/platform/impersonations/{session['id']}", token=admin_token).status == 204
    assert api.delete(f"/platform/impersonations/{own_contact}", token=admin_token).status == 404
    assert api.delete(f"/platform/impersonations/{session['id']}", token=owner["access_token"]).status == 403

    # Then its token stops working, the record shows the end, and the end is logged once
    assert api.get("/me", token=token).status == 401
    access = api.get("/workspace/support-access", token=owner["access_token"]).body["items"]
    assert access[0]["status"] == "ended" and access[0]["ended_at"] is not None
    assert _one(_log(api, owner["access_token"]), "support.impersonation_ended")["actor"]["id"] == admin_id


def test_an_impersonation_token_stops_at_its_deadline(api: Api, cloud: Any) -> None:
    # Given a running impersonation
    admin = _platform_admin(api)
    owner = sign_up(api, "Deadline")
    body = {"workspace_id": owner["workspace"]["id"], "user_id": owner["user"]["id"], "reason": "Checking billing"}
    session = api.post("/platform/impersonations", body, token=admin["access_token"]).body
    assert api.get("/me", token=session["access_token"]).status == 200
    # And a token for its session that names no admin is refused (the session is an impersonation's)
    claims = jwt.decode(session["access_token"], JWT_SECRET, algorithms=["HS256"], audience="leadpilot-api")
    claims.pop("act")
    assert api.get("/me", token=jwt.encode(claims, JWT_SECRET, algorithm="HS256")).status == 401

    # When its deadline passes (the session row's deadline, moved into the past as time would)
    boto3.client("dynamodb").update_item(
        TableName=cloud.resources["IdentityTable"].name,
        Key={"PK": {"S": f"SESSION#{session['id']}"}, "SK": {"S": "SESSION"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})

    # Then the token is refused, naming why
    reply = api.get("/me", token=session["access_token"])
    assert reply.status == 401 and reply.body["error"]["details"]["reason"] == "expired"
