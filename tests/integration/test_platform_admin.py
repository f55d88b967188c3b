"""Platform administration: the workspace listing and detail, plan and limits, settings (sealed), feature flags,
and erasing a workspace as a job. Platform administrators only; everyone else 403."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.local.calendar_fakes import FakeCalendars
from leadpilot.platform import settings as platform_settings
from leadpilot.platform.flags import enabled
from leadpilot.platform.settings import platform_secret
from leadpilot.settings import get_settings
from leadpilot.webhooks import queue as webhook_queue
from leadpilot.webhooks.config import webhooks_config
from tests.integration.conftest import drain_queue, sign_up
from tests.integration.platform_helpers import as_documented as _as_documented
from tests.integration.platform_helpers import platform_admin, run_jobs
from tests.integration.test_automation_runs import run_in_its_delay
from tests.support.apps import Api, load_module
from tests.support.calendars import fake_calendars
from tests.support.oauth import connect, oauth_stub

UNKNOWN = "01M80A45J90JMESM0AR82N1PFF"
PASSWORD = "correct-horse-battery"
TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


def _field(reply: Any) -> str:
    return str(reply.body["error"]["details"]["errors"][0]["field"] if "errors" in reply.body["error"]["details"]
               else reply.body["error"]["details"]["field"])


@pytest.fixture
def plan_defaults() -> Iterator[None]:
    """The platform's plan overrides are kept per process for a while: none left for the next test."""
    platform_settings._cache.clear()
    yield
    platform_settings._cache.clear()


def test_workspaces_plan_limits_flags_and_settings_for_platform_admins_only(api: Api, owner: dict[str, Any],
                                                                            cloud: Any, plan_defaults: None) -> None:
    # Given a workspace with a contact, a number and a text's worth of usage, and a platform administrator
    token, ws = owner["access_token"], owner["workspace"]["id"]
    assert api.post("/contacts", {"first_name": "Ada", "phone": "+14155550123"}, token=token).status == 201
    assert api.post("/phone-numbers", {"number": "+14155550100"}, token=token).status == 201
    drain_queue(cloud, "ContactEventsQueue", load_module("functions/contacts").on_contact_event)  # the counter
    admin = platform_admin(api)["access_token"]

    # When anyone else calls a platform route: 403, whatever the workspace
    for method, path, body in (("GET", "/platform/workspaces", None), ("GET", f"/platform/workspaces/{ws}", None),
                               ("PATCH", f"/platform/workspaces/{ws}", {"plan": "scale"}),
                               ("DELETE", f"/platform/workspaces/{UNKNOWN}", None),
                               ("GET", "/platform/settings", None), ("PUT", f"/platform/workspaces/{ws}/flags",
                                                                     {"flags": {"x": True}})):
        reply = api.call(method, path, body, token=token)
        assert reply.status == 403 and reply.body["error"]["code"] == "forbidden", (method, path, reply)

    # When the administrator lists the workspaces
    listed = api.get("/platform/workspaces", token=admin)
    # Then each comes with its plan, status, owners, counts and this month's usage
    assert listed.status == 200, listed
    mine = next(w for w in listed.body["items"] if w["id"] == ws)
    assert (mine["plan"], mine["status"], mine["owners"][0]["email"]) == ("starter", "active", owner["user"]["email"])
    assert mine["counts"] == {"contacts": 1, "users": 1, "flows": 0, "active_runs": 0, "phone_numbers": 1}
    assert set(mine["usage"]["used"]) == {"sms_segments", "emails", "voice_minutes", "ai_tokens"}

    # When it changes the plan, a limit and an add-on
    changed = api.patch(f"/platform/workspaces/{ws}", {"plan": "growth", "limits": {"emails": {"day": 5}},
                                                       "addons": {"sms_segments": 100}}, token=admin)
    # Then the detail shows them, and the workspace's own usage too
    assert changed.status == 200, changed
    assert not _as_documented("PATCH", "/platform/workspaces/{workspace_id}", changed)
    assert changed.body["plan"] == "growth" and changed.body["limits"]["counters"]["emails"]["day"]["limit"] == 5
    assert changed.body["limits"]["counters"]["sms_segments"]["month"]["limit"] == 10_100
    assert api.get("/usage", token=token).body["plan"] == "growth"
    # And bad input is a 422 naming the field, an unknown workspace a 404
    bad_bodies: list[tuple[dict[str, Any], str]] = [
        ({"plan": "platinum"}, "plan"), ({"limits": {"fax_pages": {"day": 1}}}, "limits/fax_pages"),
        ({"addons": {"emails": -1}}, "addons/emails"), ({}, "")]
    for body, field in bad_bodies:
        reply = api.patch(f"/platform/workspaces/{ws}", body, token=admin)
        assert reply.status == 422 and (_field(reply) == field or not field), (body, reply)
    for path in (f"/platform/workspaces/{UNKNOWN}", f"/platform/workspaces/{UNKNOWN}/flags"):
        assert api.get(path, token=admin).status == 404
    assert api.get("/platform/workspaces/not-an-id", token=admin).status in (400, 404)

    # When it turns feature flags on and off
    flags = api.call("PUT", f"/platform/workspaces/{ws}/flags", {"flags": {"ai_voice": True, "beta.inbox": False}},
                    token=admin)
    cleared = api.call("PUT", f"/platform/workspaces/{ws}/flags", {"flags": {"beta.inbox": None}}, token=admin)
    # Then the workspace has them, and `enabled` answers for other capabilities
    assert flags.status == 200 and cleared.body == {"flags": {"ai_voice": True}}, (flags, cleared)
    assert not _as_documented("PUT", "/platform/workspaces/{workspace_id}/flags", flags)
    assert api.get(f"/platform/workspaces/{ws}/flags", token=admin).body == {"flags": {"ai_voice": True}}
    assert enabled(ws, "ai_voice") and not enabled(ws, "beta.inbox")
    bad = api.call("PUT", f"/platform/workspaces/{ws}/flags", {"flags": {"Bad Name": True}}, token=admin)
    assert bad.status == 422 and _field(bad) == "flags/Bad Name", bad

    # When it saves the platform's Twilio and OpenAI credentials, an email sender and a plan override
    saved = api.call("PUT", "/platform/settings", {
        "credentials": {"twilio": {"account_sid": "AC" + "1" * 32, "auth_token": TOKEN},
                        "openai": {"api_key": "sk-platform-secret-9876"},
                        "email": {"from_email": "hello@leadpilot.app", "from_name": "LeadPilot"}},
        "plans": {"starter": {"emails": {"day": 50}}}}, token=admin)
    # Then the answer and the stored items never hold a secret, and the platform can open them
    assert saved.status == 200 and not _as_documented("PUT", "/platform/settings", saved), saved
    assert saved.body["credentials"]["twilio"] == {"set": True, "last4": TOKEN[-4:],
                                                   "updated_at": saved.body["credentials"]["twilio"]["updated_at"]}
    assert saved.body["plans"]["starter"]["emails"] == {"day": 50, "month": 20_000}
    # And the override applies to every workspace on that plan (the administrator's own is on starter)
    assert api.get("/usage", token=admin).body["counters"]["emails"]["day"]["limit"] == 50
    assert api.get("/usage", token=token).body["counters"]["emails"]["day"]["limit"] == 5  # its own override wins
    stored = boto3.client("dynamodb").scan(TableName=cloud.resources["CrmTable"].name)["Items"]
    assert TOKEN not in str(stored) and "sk-platform-secret-9876" not in str(stored)
    assert TOKEN not in api.get("/platform/settings", token=admin).raw
    assert platform_secret(get_settings(), "twilio") == {"account_sid": "AC" + "1" * 32, "auth_token": TOKEN}
    # And removing one forgets it; a bad plan is a 422 naming it
    removed = api.call("PUT", "/platform/settings", {"credentials": {"openai": None}}, token=admin)
    assert removed.body["credentials"]["openai"]["set"] is False
    bad_plan = api.call("PUT", "/platform/settings", {"plans": {"gold": {}}}, token=admin)
    assert bad_plan.status == 422 and _field(bad_plan) == "plans/gold", bad_plan
    too_many = api.call("PUT", "/platform/settings", {"plans": {"growth": {"voice_minutes": {"month": 2 * 10**9}}}},
                        token=admin)
    assert too_many.status == 422 and _field(too_many) == "plans/growth/voice_minutes/month", too_many


@pytest.fixture
def calendars() -> Iterator[FakeCalendars]:
    """Google and Microsoft calendars (and the OAuth server whose tokens they accept) for the test's duration."""
    with oauth_stub() as stub, fake_calendars(stub) as fake:
        yield fake


def _retry_schedules() -> list[str]:
    group = webhooks_config().need("schedule_group")
    return [s["Name"] for s in boto3.client("scheduler").list_schedules(GroupName=group)["Schedules"]]


def _items_of(cloud: Any, ws: str) -> list[dict[str, Any]]:
    """Every item of both tables that belongs to the workspace (a whole-table scan: tests only)."""
    client, found = boto3.client("dynamodb"), []
    for table in ("CrmTable", "IdentityTable"):
        for item in client.scan(TableName=cloud.resources[table].name)["Items"]:
            if item["PK"]["S"].startswith(f"WS#{ws}") or item.get("workspace_id", {}).get("S") == ws:
                found.append(item)
    return found


def test_deleting_a_workspace_erases_everything_it_owns_as_a_resumable_job(api: Api, owner: dict[str, Any],
                                                                           cloud: Any, calendars: FakeCalendars
                                                                           ) -> None:
    # Given a workspace with contacts, a number (its global claim), an API key, an invite, an export file in S3,
    # its owner's Google and Microsoft calendars connected (a push channel and a subscription open there), an SES
    # from identity, a webhook retry waiting on a one-off schedule, and a second member who also belongs to
    # another workspace; and an unrelated workspace
    token, ws = owner["access_token"], owner["workspace"]["id"]
    for provider in ("google", "microsoft"):
        connect(api, token, provider)
    drain_queue(cloud, "CalendarSyncEventsQueue", load_module("functions/calendar_sync").on_calendar_event)
    assert (len(calendars.channels), len(calendars.subscriptions)) == (1, 1)
    assert api.call("PUT", "/email/sender", {"email": "hello@erased.test"}, token=token).status == 200
    endpoint = api.post("/webhooks/endpoints", {"url": "https://hooks.example.com/in", "event_types": ["deal.won"]},
                        token=token).body["id"]
    config, region = webhooks_config(), get_settings().region
    webhook_queue.send_later(config, region, webhook_queue.task(ws, endpoint, "01M80A45J90JMESM0AR82N1PAA", 2), 3600)
    webhook_queue.send_later(config, region, webhook_queue.task("elsewhere", UNKNOWN, UNKNOWN, 2), 3600)
    for n in range(3):
        api.post("/contacts", {"first_name": f"C{n}", "email": f"c{n}@x.test"}, token=token)
    assert api.post("/phone-numbers", {"number": "+14155550100"}, token=token).status == 201
    assert api.post("/workspace/api-keys", {"name": "k", "scopes": ["read"]}, token=token).status == 201
    assert api.post("/workspace/invites", {"email": "new@x.test", "role": "member"}, token=token).status == 201
    assert api.post("/exports", {}, token=token).status == 201
    run_jobs(cloud)
    run_in_its_delay(cloud, api, token, {"first_name": "Di", "phone": "+14155550188"})  # a flow, a run waiting
    bucket = cloud.resources["FilesBucket"].name
    assert boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"workspaces/{ws}/").get("KeyCount", 0) >= 1
    other = sign_up(api, "Other")
    assert api.post("/contacts", {"first_name": "Stays"}, token=other["access_token"]).status == 201
    invite = api.post("/workspace/invites", {"email": other["user"]["email"]}, token=token).body
    assert api.post("/auth/accept-invite", {"token": invite["token"], "password": PASSWORD}).status == 200
    admin = platform_admin(api)
    before = len(_items_of(cloud, ws))

    # When the administrator deletes its own workspace: refused, it holds the job
    own = api.delete(f"/platform/workspaces/{admin['workspace']['id']}", token=admin["access_token"])
    assert own.status == 409, own
    # When it deletes the workspace, and asks again before the job ran
    started = api.delete(f"/platform/workspaces/{ws}", token=admin["access_token"])
    again = api.delete(f"/platform/workspaces/{ws}", token=admin["access_token"])
    # Then one job answers both, the workspace's credentials stop working at once and it is no longer found
    assert started.status == 202 and again.status == 202 and again.body["id"] == started.body["id"], (started, again)
    assert not _as_documented("DELETE", "/platform/workspaces/{workspace_id}", started)
    assert api.get("/contacts", token=token).status == 401
    assert api.get(f"/platform/workspaces/{ws}", token=admin["access_token"]).status == 404

    # When the job runs (its chunks queued twice: each is counted once)
    run_jobs(cloud)
    job = api.get(f"/jobs/{started.body['id']}", token=admin["access_token"]).body
    # Then it completed with a report of what it erased, and nothing of the workspace is left anywhere
    assert (job["status"], job["progress_percent"]) == ("completed", 100.0), job
    report = job["result"]
    assert report["workspace_id"] == ws and report["files"] >= 1, report
    assert (report["runs_stopped"], report["state_machines"]) == (1, 1), report
    machines = boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    assert not [m for m in machines if ws in m["name"]], machines
    assert report["crm_items"] + report["identity_items"] == before, (report, before)
    assert _items_of(cloud, ws) == []
    assert boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"workspaces/{ws}/").get("KeyCount", 0) == 0
    # And what it had elsewhere is gone: the calendar channels, its retry schedule, its SES identity, and the
    # owner, who belonged to no other workspace (their email can sign up afresh)
    assert (report["calendar_channels"], report["schedules"], report["email_identities"], report["users"]) == (
        2, 1, 1, 1), report
    assert (calendars.channels, calendars.subscriptions) == ({}, {})
    assert [n for n in _retry_schedules() if endpoint in n] == [] and len(_retry_schedules()) == 1
    assert "hello@erased.test" not in boto3.client("ses").list_identities()["Identities"]
    email = owner["user"]["email"]
    assert api.post("/auth/login", {"email": email, "password": PASSWORD}).status == 401
    assert api.post("/auth/signup", {"workspace_name": "Again", "email": email, "password": PASSWORD, "name": "A",
                                     "default_region": "US", "timezone": "UTC"}).status == 201
    # And the other workspace and the administrator's are untouched (its owner, a member here too, still logs
    # in); the number can be claimed again
    assert api.post("/auth/login", {"email": other["user"]["email"], "password": PASSWORD}).status == 200
    assert len(api.get("/contacts", token=other["access_token"]).body["items"]) == 1
    assert api.post("/phone-numbers", {"number": "+14155550100"}, token=other["access_token"]).status == 201
    # And deleting it again answers the finished job; an unknown workspace is a 404
    assert api.delete(f"/platform/workspaces/{ws}", token=admin["access_token"]).body["status"] == "completed"
    assert api.delete(f"/platform/workspaces/{UNKNOWN}", token=admin["access_token"]).status == 404
