"""Jobs on the real local cloud: the gateway queues the import, the SQS poller runs it."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalCloudProcess

# xdist_group: one local cloud at a time, the e2e tests run one after another on one worker of a parallel
# run (`--dist loadgroup`) while the other workers take the unit and integration tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
DEMO = {"email": "owner@demo.leadpilot.test", "password": "demo-password-2026"}
CSV = "First Name,Last Name,Email,Phone\n" + "".join(
    f"Row{i},Person,row{i}@import.test,+1415555{2000 + i}\n" for i in range(30)) + "Broken,Row,not-an-email,\n"


def _wait_done(cloud: LocalCloudProcess, token: str, job_id: str, limit_s: float = 60) -> dict[str, Any]:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        status, job = cloud.call("GET", f"/jobs/{job_id}", token=token)
        assert status == 200, job
        if job["finished_at"]:
            return dict(job)
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_import_runs_in_the_background_and_reports_progress(local_cloud: LocalCloudProcess) -> None:
    # Given the demo owner
    status, login = local_cloud.call("POST", "/auth/login", DEMO)
    token = login["access_token"]
    # When a CSV with one bad row is imported
    status, job = local_cloud.call("POST", "/imports", {"csv": CSV, "tags": ["e2e-import"]}, token)
    assert status == 201, job
    # Then the queue worker finishes it with exact counts and the error report names the row
    done = _wait_done(local_cloud, token, job["id"])
    assert (done["status"], done["succeeded"], done["failed"]) == ("completed_with_errors", 30, 1), done
    status, errors = local_cloud.call("GET", f"/jobs/{job['id']}/errors", token=token)
    assert errors["items"] == [{"row": 32, "field": "email", "message": "is not a valid email address", "ref": None}]
