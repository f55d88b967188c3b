"""At-least-once delivery, exactly-once effect: a crash after the provider call never sends a text twice.
The real `twilio` client talks to a local stub of Twilio's API."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from leadpilot.settings import get_settings
from leadpilot.sms import worker as sms_worker
from leadpilot.sms.config import messaging_config
from leadpilot.sms.provider import Accepted, OutboundSms, SandboxProvider, TwilioProvider, sandbox_outbox
from tests.integration.messaging_helpers import configure_sandbox, drain_sends, setup_workspace, webhook
from tests.support.apps import Api
from tests.support.twilio_stub import INVALID_NUMBER, TwilioStub

ACCOUNT, TOKEN = "AC" + "1" * 32, "twilio-auth-token-for-tests-0001"


class CrashAfterSend:
    """A worker that dies right after the provider accepted the text (before recording it)."""

    def __init__(self, real: Any) -> None:
        self.real, self.name = real, real.name

    def send(self, sms: OutboundSms) -> Accepted:
        self.real.send(sms)
        raise RuntimeError("the worker crashed after the provider call")

    def find(self, sms: OutboundSms) -> Accepted | None:
        return self.real.find(sms)


class WorkerDied(BaseException):
    """The process died (nothing after the provider call runs, nothing is caught)."""


class DieAfterSendMany:
    """A worker that dies right after the provider accepted a whole batch (before recording any of it)."""

    def __init__(self, real: Any) -> None:
        self.real, self.name = real, real.name

    def send_many(self, batch: list[OutboundSms]) -> list[Any]:
        self.real.send_many(batch)
        raise WorkerDied("the worker died after the batch provider call")


class Counting:
    """The real provider, counting the texts handed to it."""

    def __init__(self, real: Any) -> None:
        self.real, self.name, self.sent = real, real.name, 0

    def send(self, sms: OutboundSms) -> Accepted:
        self.sent += 1
        return self.real.send(sms)

    def send_many(self, batch: list[OutboundSms]) -> list[Any]:
        self.sent += len(batch)
        return self.real.send_many(batch)

    def find(self, sms: OutboundSms) -> Accepted | None:
        return self.real.find(sms)


@pytest.fixture
def twilio(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TwilioStub]:
    """Messaging configured with Twilio credentials, the real client pointed at a local stub."""
    with TwilioStub(ACCOUNT, TOKEN) as stub:
        env = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_BASE_URL": stub.url}
        iterator = configure_sandbox(cloud, monkeypatch)
        next(iterator)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        messaging_config.cache_clear()
        yield stub
        messaging_config.cache_clear()


@pytest.fixture
def sms_cloud(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield from configure_sandbox(cloud, monkeypatch)


def _queue_many(api: Api, token: str, count: int) -> list[str]:
    contact = setup_workspace(api, token)["contact"]["id"]
    ids = []
    for i in range(count):
        message = api.post("/sms", {"contact_id": contact, "body": f"Reminder {i}"}, token=token)
        assert message.status == 202, message
        ids.append(message.body["id"])
    return ids


def _deliver_batch(provider: Any, ws: str, message_ids: list[str]) -> list[Any]:
    jobs = [sms_worker.Job(ws, m) for m in message_ids]
    found = sms_worker.prefetch([(ws, m) for m in message_ids])
    return sms_worker.deliver_batch(get_settings(), messaging_config(), provider, jobs, found, sms_worker.EventSink())


def _queue(api: Api, token: str, to: str = "+14155550123") -> tuple[str, str]:
    contact = setup_workspace(api, token, phone=to)["contact"]["id"]
    message = api.post("/sms", {"contact_id": contact, "body": "Your appointment is at 3pm"}, token=token)
    assert message.status == 202, message
    return contact, message.body["id"]


def test_twilio_is_not_called_again_when_the_worker_crashed_after_sending(twilio: TwilioStub, cloud: Any, api: Api,
                                                                          owner: dict[str, Any]) -> None:
    # Given a queued text, and a first attempt that dies right after Twilio accepted it
    token, ws = owner["access_token"], owner["workspace"]["id"]
    _, message_id = _queue(api, token)
    config = messaging_config()
    with pytest.raises(RuntimeError):
        sms_worker.deliver(get_settings(), config, CrashAfterSend(TwilioProvider(config)), ws, message_id)
    assert len(twilio.creates) == 1
    assert api.get(f"/sms/{message_id}", token=token).body["status"] == "sending"

    # When the queue redelivers the message to a healthy worker (the real handler, the real client)
    assert drain_sends(cloud) == 1

    # Then Twilio was not called again: the worker found Twilio's copy and recorded it
    assert len(twilio.creates) == 1
    shown = api.get(f"/sms/{message_id}", token=token).body
    assert shown["status"] == "sent" and shown["provider_sid"] == twilio.messages[0]["sid"]


def test_the_sandbox_is_not_called_again_either(sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a first attempt that dies after the sandbox recorded the text
    token, ws = owner["access_token"], owner["workspace"]["id"]
    _, message_id = _queue(api, token)
    with pytest.raises(RuntimeError):
        sms_worker.deliver(get_settings(), messaging_config(), CrashAfterSend(SandboxProvider()), ws, message_id)

    # When it is redelivered twice more
    drain_sends(sms_cloud)
    assert sms_worker.deliver(get_settings(), messaging_config(), SandboxProvider(), ws, message_id) == "done"

    # Then it was "sent" once
    assert len(sandbox_outbox(ws)) == 1
    assert api.get(f"/sms/{message_id}", token=token).body["status"] == "sent"


def test_a_batch_is_not_sent_again_when_the_worker_died_after_the_batch_provider_call(
        sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a batch of three texts whose worker died right after the sandbox recorded all three
    token, ws = owner["access_token"], owner["workspace"]["id"]
    message_ids = _queue_many(api, token, 3)
    with pytest.raises(WorkerDied):
        _deliver_batch(DieAfterSendMany(SandboxProvider()), ws, message_ids)
    assert {api.get(f"/sms/{m}", token=token).body["status"] for m in message_ids} == {"sending"}

    # When the batch is redelivered (within the lease), and then the queue's own messages too
    provider = Counting(SandboxProvider())
    outcomes = _deliver_batch(provider, ws, message_ids)
    drain_sends(sms_cloud)

    # Then the provider's copies were adopted: nothing handed over again, each text sent once
    assert outcomes == ["sent", "sent", "sent"]
    assert provider.sent == 0
    assert sorted(t["message_id"] for t in sandbox_outbox(ws)) == sorted(message_ids)
    assert {api.get(f"/sms/{m}", token=token).body["status"] for m in message_ids} == {"sent"}


def test_a_text_claimed_by_another_attempt_does_not_hold_up_the_rest_of_its_batch(
        sms_cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a batch of three texts read by the worker, one of which another attempt claims just after
    token, ws = owner["access_token"], owner["workspace"]["id"]
    message_ids = _queue_many(api, token, 3)
    jobs = [sms_worker.Job(ws, m) for m in message_ids]
    found = sms_worker.prefetch([(ws, m) for m in message_ids])
    other = sms_worker.prefetch([(ws, message_ids[1])]).messages[message_ids[1]]
    sms_worker._claim(other, "queued", datetime.now(UTC))

    # When the worker delivers the batch
    provider = Counting(SandboxProvider())
    outcomes = sms_worker.deliver_batch(get_settings(), messaging_config(), provider, jobs, found,
                                        sms_worker.EventSink())

    # Then the other two are sent, and the claimed one is left to its holder (redelivered later), not sent here
    assert outcomes[0] == "sent" and outcomes[2] == "sent"
    assert isinstance(outcomes[1], sms_worker.StillSending)
    assert provider.sent == 2
    assert sorted(t["message_id"] for t in sandbox_outbox(ws)) == sorted([message_ids[0], message_ids[2]])
    assert api.get(f"/sms/{message_ids[1]}", token=token).body["status"] == "sending"


def test_a_transient_twilio_error_is_retried_after_the_lease_and_sent_once(twilio: TwilioStub, cloud: Any, api: Api,
                                                                          owner: dict[str, Any]) -> None:
    # Given Twilio answers the first create with a 500 (nothing created)
    token, ws = owner["access_token"], owner["workspace"]["id"]
    _, message_id = _queue(api, token)
    twilio.fail_next_create_with = 500
    config = messaging_config()

    # When the first attempt fails, a redelivery comes within the lease, and another after it
    with pytest.raises(TwilioRestException):
        sms_worker.deliver(get_settings(), config, TwilioProvider(config), ws, message_id)
    with pytest.raises(sms_worker.StillSending):
        sms_worker.deliver(get_settings(), config, TwilioProvider(config), ws, message_id)
    later = datetime.now(UTC) + sms_worker.LEASE + timedelta(seconds=5)
    result = sms_worker.deliver(get_settings(), config, TwilioProvider(config), ws, message_id, now=later)

    # Then the text went out exactly once
    assert result == "sent" and len(twilio.messages) == 1
    assert twilio.messages[0]["body"] == "Your appointment is at 3pm"


def test_a_rejected_number_fails_with_twilios_code_and_is_refunded(twilio: TwilioStub, cloud: Any, api: Api,
                                                                   owner: dict[str, Any]) -> None:
    # Given a contact whose number Twilio rejects
    token = owner["access_token"]
    contact_id, message_id = _queue(api, token, to=INVALID_NUMBER)

    # When the worker sends
    drain_sends(cloud)

    # Then the text failed with Twilio's error code, nothing is charged, and sms.failed is on the timeline
    shown = api.get(f"/sms/{message_id}", token=token).body
    assert shown["status"] == "failed" and shown["error_code"] == "21211", shown
    assert api.get("/usage", token=token).body["counters"]["sms_segments"]["day"]["used"] == 0
    types = [e["type"] for e in api.get(f"/contacts/{contact_id}/timeline", token=token).body["items"]]
    assert "sms.failed" in types


def test_real_twilio_signatures_use_the_twilio_auth_token(twilio: TwilioStub, cloud: Any, api: Api,
                                                          owner: dict[str, Any]) -> None:
    # Given Twilio credentials: the sandbox token no longer signs anything, and the simulator is off
    token = owner["access_token"]
    setup_workspace(api, token)
    form = {"MessageSid": "SM" + "c" * 32, "From": "+14155550199", "To": "+14155550100", "Body": "Hi"}

    # When a webhook is signed with Twilio's token, and another with the sandbox's
    real = webhook(api, "/webhooks/twilio/sms", form, token=TOKEN)
    sandbox = webhook(api, "/webhooks/twilio/sms", dict(form, MessageSid="SM" + "d" * 32),
                      token=messaging_config().sandbox_auth_token)

    # Then only Twilio's is accepted, and the simulator routes are not there
    assert real.status == 200 and sandbox.status == 403
    assert api.post("/dev/sms/inbound", {"from": "+14155550199", "body": "x"}, token=token).status == 404


def test_the_status_callback_url_is_given_to_twilio(twilio: TwilioStub, cloud: Any, api: Api,
                                                    owner: dict[str, Any]) -> None:
    # Given a deployment behind a public base URL
    token = owner["access_token"]
    _queue(api, token)

    # When a text is sent
    drain_sends(cloud)

    # Then Twilio was told where to post status callbacks
    assert twilio.creates[0]["StatusCallback"] == "https://hooks.leadpilot.test/webhooks/twilio/status"
    assert twilio.creates[0]["From"] == "+14155550100"


def test_a_queue_message_ahead_of_its_commit_waits_and_an_orphan_is_dropped(sms_cloud: Any,
                                                                            owner: dict[str, Any]) -> None:
    from leadpilot.ids import new_id

    # Given queue messages whose text is not (yet) in the table: one just enqueued, one from 3 minutes ago
    ws, now = owner["workspace"]["id"], datetime.now(UTC)
    fresh = (now - timedelta(seconds=1)).isoformat()
    stale = (now - timedelta(minutes=3)).isoformat()

    # When the worker receives them
    waiting = sms_worker.deliver(get_settings(), messaging_config(), SandboxProvider(), ws, new_id(), enqueued_at=fresh)
    dropped = sms_worker.deliver(get_settings(), messaging_config(), SandboxProvider(), ws, new_id(), enqueued_at=stale)

    # Then the fresh one is looked at again shortly (its commit may be landing), the orphan is dropped
    assert (waiting, dropped) == ("not_yet", "missing")
    assert sandbox_outbox(ws) == []
