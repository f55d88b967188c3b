"""Email on the real local cloud: the gateway queues the send, the SQS poller sends it through moto's SES,
and the dev route reads it back from the moto server's capture."""
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


def test_an_email_is_sent_by_the_worker_and_shown_by_the_dev_route(local_cloud: LocalCloudProcess) -> None:
    # Given the demo owner with a verified sender and a contact
    _, login = local_cloud.call("POST", "/auth/login", DEMO)
    token = login["access_token"]
    status, sender = local_cloud.call("PUT", "/email/sender", {"email": "hello@demo.leadpilot.test"}, token)
    assert status == 200 and sender["status"] == "verified", sender
    status, contact = local_cloud.call("POST", "/contacts", {"first_name": "Eve", "email": "eve@e2e.test"}, token)
    assert status == 201, contact
    # When an email is sent
    status, queued = local_cloud.call("POST", "/emails", {"contact_id": contact["id"], "subject": "Hi {{first_name}}",
                                                          "body": "Hello from the local cloud"}, token)
    assert status == 202, queued
    # Then the SQS poller sends it and the dev route shows what SES captured
    mails: list[dict[str, Any]] = []
    end = time.monotonic() + 30
    while time.monotonic() < end and not mails:
        status, listed = local_cloud.call("GET", "/dev/emails", token=token)
        assert status == 200, listed
        mails = [m for m in listed["items"] if m["message_id"] == queued["id"]]
        time.sleep(0.3)
    assert mails and mails[0]["subject"] == "Hi Eve", mails
    got: dict[str, Any] = {}
    while time.monotonic() < end and got.get("status") != "sent":  # recorded just after the SES call
        got = local_cloud.call("GET", f"/emails/{queued['id']}", token=token)[1]
        time.sleep(0.1)
    assert got["status"] == "sent", got
