"""Suspending a workspace: its API answers 403 naming the reason, its sends are refused, inbound texts are still
stored, its runs pause; reactivating resumes the runs the suspension paused, and only those."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadpilot.automation.runs.models import RunIndexItem, RunItem
from leadpilot.automation.runs.runs import get_item, workspace_runs_pk
from leadpilot.email.config import email_config
from leadpilot.email.provider import provider
from leadpilot.email.sending import send_to_contact
from leadpilot.identity.suspension import WorkspaceSuspended
from leadpilot.settings import get_settings
from leadpilot.sms.config import messaging_config
from leadpilot.sms.send import SendRequest, queue_sms
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, inbound, webhook
from tests.integration.platform_helpers import as_documented, platform_admin, run_jobs
from tests.integration.test_automation_runs import enrol, in_state, run_in_its_delay, work
from tests.integration.test_automation_runtime_helpers import deliver, texts, trigger_envelopes
from tests.integration.test_email_helpers import contact as email_contact
from tests.integration.test_email_helpers import deliver as deliver_emails
from tests.integration.test_email_helpers import verified_sender
from tests.support.apps import Api


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def test_suspend_refuses_the_api_and_sends_pauses_runs_and_reactivation_resumes_them(
        sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a workspace with a number, an API key, two runs waiting in a delay (one of them paused by hand) and a
    # text queued but not yet sent
    cloud, token, ws = sms_cloud, owner["access_token"], owner["workspace"]["id"]
    assert api.post("/phone-numbers", {"number": "+14155550100"}, token=token).status == 201
    key = api.post("/workspace/api-keys", {"name": "zapier", "scopes": ["write"]}, token=token).body["key"]
    flow_id, contact_id, run_id = run_in_its_delay(cloud, api, token, {"first_name": "Di", "phone": "+14155550188"})
    enrol(cloud, api, token, {"first_name": "Ed", "phone": "+14155550189"})
    other = next(r["id"] for r in api.get(f"/flows/{flow_id}/runs", token=token).body["items"] if r["id"] != run_id)
    work(cloud, until=in_state(api, token, [other], "pause_here"))
    assert api.post(f"/runs/{other}/pause", token=token).status == 200
    queued = api.post("/sms", {"contact_id": contact_id, "body": "See you tomorrow"}, token=token)
    verified_sender(api, token)
    emailed = email_contact(api, token, "ada@example.com")
    mail = api.post("/emails", {"contact_id": emailed, "subject": "Hi", "body": "Hello"}, token=token)
    assert mail.status == 202, mail
    late = api.post("/contacts", {"first_name": "Flo", "phone": "+14155550190"}, token=token).body["id"]
    api.post(f"/contacts/{late}/tags", {"add": ["go"]}, token=token)  # its trigger is delivered after the suspension
    assert queued.status == 202, queued
    admin = platform_admin(api)["access_token"]

    # When the workspace's owner (no platform administrator) tries to suspend it, or gives no reason
    mine = api.post(f"/platform/workspaces/{ws}/suspend", {"reason": "x"}, token=token)
    empty = api.post(f"/platform/workspaces/{ws}/suspend", {"reason": ""}, token=admin)
    # Then 403, and 422 naming the reason
    assert mine.status == 403 and mine.body["error"]["code"] == "forbidden", mine
    assert empty.status == 422 and empty.body["error"]["details"]["errors"][0]["field"] == "reason", empty

    # When a platform administrator suspends it
    suspended = api.post(f"/platform/workspaces/{ws}/suspend", {"reason": "unpaid invoice"}, token=admin)
    assert suspended.status == 200, suspended
    assert not as_documented("POST", "/platform/workspaces/{workspace_id}/suspend", suspended)
    assert suspended.body["workspace"]["status"] == "suspended"
    assert suspended.body["workspace"]["suspended_reason"] == "unpaid invoice"
    assert api.post(f"/platform/workspaces/{ws}/suspend", {"reason": "again"}, token=admin).status == 409

    # Then its access tokens and API keys get 403 workspace_suspended naming the reason, on every capability
    for credential in (token, key):
        for path in ("/contacts", "/workspace", "/usage"):
            reply = api.get(path, token=credential)
            assert reply.status == 403 and reply.body["error"]["code"] == "workspace_suspended", (path, reply)
            assert reply.body["error"]["details"]["reason"] == "unpaid invoice"
    # And a send is refused with that code, and the text queued before is not sent (blocked, with the code)
    with pytest.raises(WorkspaceSuspended):
        queue_sms(get_settings(), messaging_config(), ws,
                  SendRequest(contact_id=contact_id, body="Hi", actor={"type": "system", "id": "test"}))
    with pytest.raises(WorkspaceSuspended):
        send_to_contact(get_settings(), email_config(), provider(get_settings().region), ws,
                        {"contact_id": emailed, "subject": "Hi", "body": "Again"})
    drain_sends(cloud)
    deliver_emails(cloud)
    # And a text the contact sends meanwhile is still answered and stored
    assert webhook(api, "/webhooks/twilio/sms", inbound("+14155550188", "+14155550100", "Still on?", "SM" + "1" * 32)
                   ).status == 200
    # And the job pauses its running run, and only that one
    assert run_jobs(cloud) >= 1
    job = api.get(f"/jobs/{suspended.body['job']['id']}", token=admin).body
    assert (job["status"], job["result"]["runs"]) == ("completed", 1), job
    # And a run that starts while it is suspended pauses before its first action, which is not performed
    deliver(trigger_envelopes(cloud))
    late_run = next(r for r in find_runs(ws) if r.contact_id == late)
    work(cloud, until=lambda: _status(ws, late_run.run_id) == "paused")
    assert texts(ws, late) == []

    # When it is reactivated
    reactivated = api.post(f"/platform/workspaces/{ws}/reactivate", {}, token=admin)
    assert reactivated.status == 200 and reactivated.body["workspace"]["status"] == "active", reactivated
    assert api.post(f"/platform/workspaces/{ws}/reactivate", {}, token=admin).status == 409
    run_jobs(cloud)

    # Then its credentials work again, the run the suspension paused runs again and the one paused by hand stays
    # paused; the queued text was blocked, and the inbound text is in the conversation
    assert api.get("/contacts", token=key).status == 200
    assert api.get(f"/runs/{run_id}", token=token).body["status"] == "running"
    assert api.get(f"/runs/{other}", token=token).body["status"] == "paused"
    work(cloud, until=in_state(api, token, [late_run.run_id], "pause_here"))
    assert [t["body"] for t in texts(ws, late)] == ["First hello"]
    thread = api.get(f"/conversations/{contact_id}/messages", token=token).body["items"]
    by_body = {m["body"]: m for m in thread}
    assert by_body["See you tomorrow"]["status"] == "blocked"
    assert by_body["See you tomorrow"]["error_code"] == "workspace_suspended"
    assert by_body["Still on?"]["direction"] == "inbound"
    email = api.get(f"/emails/{mail.body['id']}", token=token).body
    assert (email["status"], email["reason"]) == ("skipped", "workspace_suspended"), email
    assert api.get("/dev/emails", token=token).body["items"] == []
    assert api.get(f"/jobs/{reactivated.body['job']['id']}", token=admin).body["result"]["runs"] == 2
    # And both actions are in the platform's audit log and in the workspace's own, with the reason
    for log, credential in (("/platform/audit", admin), ("/workspace/audit", token)):
        entries = api.get(f"{log}?limit=100", token=credential).body["items"]
        actions = {e["action"]: e for e in entries if e["target"] == {"type": "workspace", "id": ws}}
        assert {"platform.workspace.suspended", "platform.workspace.reactivated"} <= set(actions), (log, entries)
        assert actions["platform.workspace.suspended"]["changes"]["reason"], actions


def _status(workspace_id: str, run_id: str) -> str | None:
    item = get_item(workspace_id, run_id)
    return None if item is None else str(item.status)


def find_runs(workspace_id: str) -> list[RunItem]:
    """The workspace's runs, read from its listing (its own tokens are refused while it is suspended)."""
    entries = RunIndexItem.gsi1.query(workspace_runs_pk(workspace_id))
    return [i for e in entries if (i := get_item(workspace_id, e.run_id)) is not None]
