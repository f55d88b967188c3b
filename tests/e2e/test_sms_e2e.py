"""SMS on the real local cloud: the simulator CLI plays Twilio, the SQS poller runs the send worker."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from infra.local import sms as simulator

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalCloudProcess

# xdist_group: one local cloud at a time, the e2e tests run one after another on one worker of a parallel
# run (`--dist loadgroup`) while the other workers take the unit and integration tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
DEMO = {"email": "owner@demo.leadpilot.test", "password": "demo-password-2026"}


def _wait_status(cloud: LocalCloudProcess, token: str, message_id: str, status: str) -> dict[str, Any]:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        _, message = cloud.call("GET", f"/sms/{message_id}", token=token)
        if message["status"] == status:
            return dict(message)
        time.sleep(0.3)
    raise AssertionError(f"text {message_id} never became {status}: {message}")


def test_a_two_way_conversation_through_the_simulator(local_cloud: LocalCloudProcess) -> None:
    # Given the demo owner with a number
    _, login = local_cloud.call("POST", "/auth/login", DEMO)
    token = login["access_token"]
    status, _ = local_cloud.call("POST", "/phone-numbers", {"number": "+14155550190"}, token)
    assert status == 201
    sandbox = simulator.token_from(local_cloud.data_dir)

    # When a stranger texts in through the CLI's signed webhook, and a forged one is posted
    form = simulator.inbound_form("+14155550191", "+14155550190", "Are you open on Sunday?")
    code, _ = simulator.post_signed(f"{local_cloud.url}/webhooks/twilio/sms", form, sandbox)
    forged, _ = simulator.post_signed(f"{local_cloud.url}/webhooks/twilio/sms", form, "not-the-sandbox-token")

    # Then the first is threaded under a new contact, the forged one is a 403
    assert (code, forged) == (200, 403)
    _, convos = local_cloud.call("GET", "/conversations", token=token)
    contact_id = next(c["contact_id"] for c in convos["items"] if c["last_body"] == "Are you open on Sunday?")

    # When the owner answers, and the simulator reports it delivered
    status, message = local_cloud.call("POST", "/sms", {"contact_id": contact_id, "body": "Yes, 10 to 4!"}, token)
    assert status == 202, message
    sent = _wait_status(local_cloud, token, message["id"], "sent")
    code, _ = simulator.post_signed(f"{local_cloud.url}/webhooks/twilio/status",
                                    {"MessageSid": sent["provider_sid"], "MessageStatus": "delivered"}, sandbox)

    # Then the answer went through the queue worker and is delivered
    assert code == 200
    assert _wait_status(local_cloud, token, message["id"], "delivered")["to"] == "+14155550191"
