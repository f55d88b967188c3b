"""A user's first session against the local cloud: sign up, log in, contacts, restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import REPO_ROOT

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalCloudProcess

# xdist_group: one local cloud at a time, the e2e tests run one after another on one worker of a parallel
# run (`--dist loadgroup`) while the other workers take the unit and integration tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
DEMO = {"email": "owner@demo.leadpilot.test", "password": "demo-password-2026"}


def test_health_lists_the_template_functions(local_cloud: LocalCloudProcess) -> None:
    # Given the running cloud / When its health is read / Then every function loaded
    status, body = local_cloud.call("GET", "/_local/health")
    assert status == 200 and body["status"] == "ok", body
    assert {"IdentityFunction", "ContactsFunction"} <= set(body["functions"])


def test_usr1_writes_every_threads_stack_and_the_cloud_goes_on(local_cloud: LocalCloudProcess) -> None:
    # Given the running cloud
    before = local_cloud.log_path.read_text(errors="replace")
    # When it gets SIGUSR1 (what the tests send a cloud that does not stop, before killing it)
    local_cloud.signal(signal.SIGUSR1)
    deadline, added = time.monotonic() + 10, ""
    while not ("__main__.py" in added and "infra/local/sqs_poller.py" in added) and time.monotonic() < deadline:
        time.sleep(0.1)
        added = local_cloud.log_path.read_text(errors="replace")[len(before):]
    # Then every thread's stack is in its output, the main one waiting for a signal, and it still answers
    assert "Current thread" in added or "Thread 0x" in added, added[-2000:]
    assert "__main__.py" in added and "infra/local/sqs_poller.py" in added, added[-4000:]
    assert local_cloud.call("GET", "/_local/health")[0] == 200


def test_seeded_demo_owner_can_log_in_and_see_demo_contacts(local_cloud: LocalCloudProcess) -> None:
    # Given the seeded demo workspace / When its owner logs in and lists contacts
    status, login = local_cloud.call("POST", "/auth/login", DEMO)
    assert status == 200, login
    status, page = local_cloud.call("GET", "/contacts", token=login["access_token"])
    # Then the demo contacts are there
    assert status == 200, page
    assert "ada@example.com" in {item.get("email") for item in page["items"]}


def test_signup_contacts_and_restart(local_cloud: LocalCloudProcess) -> None:
    # Given a new workspace signed up over HTTP
    email = f"owner-{uuid.uuid4().hex[:8]}@e2e.leadpilot.test"
    signup = {
        "workspace_name": "E2E Agency",
        "email": email,
        "password": "e2e-password-2026",
        "name": "E2E Owner",
        "timezone": "Europe/Paris",
        "default_region": "FR",
    }
    status, created = local_cloud.call("POST", "/auth/signup", signup)
    assert status == 201, created
    status, login = local_cloud.call("POST", "/auth/login", {"email": email, "password": "e2e-password-2026"})
    assert status == 200, login
    token = login["access_token"]
    # When a contact is created
    contact = {"first_name": "Marie", "last_name": "Curie", "email": "marie@example.com", "tags": ["science"]}
    status, saved = local_cloud.call("POST", "/contacts", contact, token)
    assert status == 201, saved
    # Then it is listed and readable by id
    status, page = local_cloud.call("GET", "/contacts", token=token)
    assert status == 200 and [item["id"] for item in page["items"]] == [saved["id"]], page
    assert "next_cursor" in page
    status, fetched = local_cloud.call("GET", f"/contacts/{saved['id']}", token=token)
    assert status == 200 and fetched["email"] == "marie@example.com", fetched
    # When the cloud restarts (Ctrl-C, then up again on the same data dir)
    local_cloud.restart()
    # Then the old token still works (the JWT secret is kept) and the data is still there
    status, fetched = local_cloud.call("GET", f"/contacts/{saved['id']}", token=token)
    assert status == 200 and fetched["first_name"] == "Marie", fetched
    status, again = local_cloud.call("POST", "/auth/login", {"email": email, "password": "e2e-password-2026"})
    assert status == 200, again
    # And the demo workspace was not seeded twice
    status, demo = local_cloud.call("POST", "/auth/login", DEMO)
    status, page = local_cloud.call("GET", "/contacts", token=demo["access_token"])
    emails = [item.get("email") for item in page["items"]]
    assert emails.count("ada@example.com") == 1, emails


def test_unknown_route_has_the_error_shape(local_cloud: LocalCloudProcess) -> None:
    # Given the cloud / When a route that does not exist is called / Then a 404 in the LeadPilot shape comes back
    status, body = local_cloud.call("GET", "/no/such/route")
    assert status == 404 and body["error"]["code"] == "not_found"


def test_a_person_can_read_the_console_and_run_the_helpers(local_cloud: LocalCloudProcess) -> None:
    # Given the running cloud / When the demo owner logs in
    request = urllib.request.Request(f"{local_cloud.url}/auth/login", data=json.dumps(DEMO).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        # Then the answer is JSON, as API Gateway says
        assert response.status == 200 and response.headers["Content-Type"] == "application/json"
    # And the console has one readable line for the request (written once the answer is sent), and no metric JSON
    line = "infra.local.gateway: POST /auth/login -> 200 IdentityFunction"
    deadline = time.monotonic() + 15
    while line not in (log := local_cloud.log_path.read_text(errors="replace")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert line in log
    assert '"CloudWatchMetrics"' not in log
    # When a platform admin is granted with the cloud's settings, as `make platform-admin` does
    granted = subprocess.run(
        [sys.executable, "-m", "infra.local", "with-env", "--data-dir", str(local_cloud.data_dir), "--",
         sys.executable, "-m", "leadpilot.identity.platform", "grant-admin", DEMO["email"]],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    unknown = subprocess.run(
        [sys.executable, "-m", "infra.local", "with-env", "--data-dir", str(local_cloud.data_dir), "--",
         sys.executable, "-m", "leadpilot.identity.platform", "grant-admin", "nobody@e2e.leadpilot.test"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    # Then it takes effect at the next login; an unknown user is one line
    assert granted.returncode == 0 and "takes effect at their next login" in granted.stdout, granted.stderr
    status, login = local_cloud.call("POST", "/auth/login", DEMO)
    assert status == 200 and local_cloud.call("GET", "/platform/workspaces", token=login["access_token"])[0] == 200
    assert unknown.returncode == 1 and unknown.stderr == "grant-admin: no user with email nobody@e2e.leadpilot.test\n"


def test_a_flow_cannot_point_a_webhook_at_the_local_cloud_itself(local_cloud: LocalCloudProcess) -> None:
    # Given the demo owner on a default local cloud
    status, login = local_cloud.call("POST", "/auth/login", DEMO)
    assert status == 200, login
    moto_port = local_cloud.aws_endpoint.rsplit(":", 1)[1]
    # When flows that call moto, DynamoDB Local (every table of every workspace) or the gateway (the sandboxes)
    # are saved
    for url in (f"{local_cloud.aws_endpoint}/moto-api/data.json", f"http://localhost:{moto_port}/",
                f"{local_cloud.dynamodb_endpoint}/", f"{local_cloud.url}/dev/emails"):
        flow = {"name": "Exfiltrate", "trigger": {"event": "manual"},
                "nodes": [{"id": "start", "type": "trigger"}, {"id": "call", "type": "webhook", "url": url},
                          {"id": "done", "type": "end"}],
                "edges": [{"from": "start", "to": "call"}, {"from": "call", "to": "done"}]}
        status, body = local_cloud.call("POST", "/flows", flow, token=login["access_token"])

        # Then each is refused with a 422 naming the webhook node's url as one of the platform's own endpoints
        assert status == 422, (url, body)
        errors = body["error"]["details"]["errors"]
        assert [(e["node"], e["field"]) for e in errors] == [("call", "url")], (url, errors)
        assert "platform's own endpoints" in errors[0]["message"], (url, errors)


def _processes_using(path: Path) -> list[int]:
    """Pids whose command line names `path` (the servers started for one data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_killed_cloud_starts_again_with_its_data_on_dynamodb_local(local_cloud: LocalCloudProcess) -> None:
    # Given a local cloud on DynamoDB Local, and a contact just created there
    assert "(DynamoDB Local;" in local_cloud.log_path.read_text(errors="replace")
    status, login = local_cloud.call("POST", "/auth/login", DEMO)
    assert status == 200, login
    status, saved = local_cloud.call("POST", "/contacts", {"first_name": "Rosalind", "last_name": "Franklin"},
                                     login["access_token"])
    assert status == 201, saved
    # When the cloud is killed with SIGKILL (no final save; its DynamoDB Local is orphaned) and started again
    local_cloud.kill()
    local_cloud.start()
    # Then the contact is there: DynamoDB Local wrote it to its SQLite file, with no snapshot
    status, fetched = local_cloud.call("GET", f"/contacts/{saved['id']}", token=login["access_token"])
    assert status == 200 and fetched["last_name"] == "Franklin", fetched
    assert (local_cloud.data_dir / "dynamodb" / "shared-local-instance.db").exists()
    assert not (local_cloud.data_dir / "snapshot.json").exists()
    # And the orphaned DynamoDB Local was stopped: one runs on the data dir
    assert len(_processes_using(local_cloud.data_dir / "dynamodb")) == 1
