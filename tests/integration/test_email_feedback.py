"""SES feedback over SNS (bounces, complaints, deliveries), inbound replies, and sending at most once."""
from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from leadpilot.email import feedback, sns_signature
from leadpilot.email.config import email_config
from leadpilot.email.feedback import basic_auth
from tests.integration.conftest import receive_events
from tests.integration.test_email_helpers import captured, contact, deliver, send, signed, verified_sender
from tests.support.apps import Api
from tests.support.sns import SnsSigner

SIGNER = SnsSigner()


@pytest.fixture(autouse=True)
def sns_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    """SNS's signing certificate, as the feedback route would download it (the test deployment checks it)."""
    monkeypatch.setattr(sns_signature, "fetch_certificate", SIGNER.fetch)


def _sent(cloud: Any, api: Api, owner: dict[str, Any], address: str = "ada@example.com") -> tuple[str, str, dict]:
    token = owner["access_token"]
    verified_sender(api, token)
    contact_id = contact(api, token, address)
    message_id = send(api, token, contact_id).body["id"]
    deliver(cloud)
    mail = next(m for m in captured(api, token) if m["message_id"] == message_id)
    return contact_id, message_id, mail


def _sns(mail: dict[str, Any], kind: str, sns_id: str = "5f1c0d3e-sns-1", **detail: Any) -> dict[str, Any]:
    """An SES notification wrapped as SNS delivers it to an HTTPS subscription."""
    notice = {"notificationType": kind, "mail": {
        "messageId": mail["provider_message_id"], "destination": ["ada@example.com"],
        "commonHeaders": {"messageId": mail["message_id_header"], "subject": mail["subject"]},
        "headers": [{"name": "Message-ID", "value": mail["message_id_header"]}]}, **detail}
    return SIGNER.sign({"Type": "Notification", "MessageId": sns_id,
                        "TopicArn": next(iter(email_config().feedback_topic_arns)), "Message": json.dumps(notice),
                        "Timestamp": "2026-11-22T03:40:00.000Z"})


def _post_sns(api: Api, envelope: dict[str, Any], auth: str | None = None) -> Any:
    return api.call("POST", "/email/webhooks/ses", raw=json.dumps(envelope), headers={
        "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": envelope["Type"],
        **({"Authorization": auth} if auth is not None else {})})


def _types(api: Api, token: str, contact_id: str) -> list[str]:
    return [e["type"] for e in api.get(f"/contacts/{contact_id}/timeline", token=token).body["items"]]


BOUNCE = {"bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                     "bouncedRecipients": [{"emailAddress": "ada@example.com"}]}}


def test_a_permanent_bounce_suppresses_the_address_once_even_if_redelivered(cloud: Any, api: Api,
                                                                           owner: dict[str, Any]) -> None:
    # Given a sent email
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    envelope = _sns(mail, "Bounce", **BOUNCE)
    # When SNS delivers the bounce twice
    first = _post_sns(api, envelope, basic_auth(email_config().webhook_secret))
    second = _post_sns(api, envelope, basic_auth(email_config().webhook_secret))
    # Then it is applied once: one email.bounced, and the address is suppressed
    assert first.body["status"] == "applied" and second.body["status"] == "duplicate"
    assert _types(api, token, contact_id).count("email.bounced") == 1
    assert api.get(f"/emails/{message_id}", token=token).body["bounced_at"]
    assert send(api, token, contact_id).status == 409


def test_a_complaint_unsubscribes_and_a_delivery_is_counted(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    auth = basic_auth(email_config().webhook_secret)
    delivered = _sns(mail, "Delivery", "d-1", delivery={"recipients": ["ada@example.com"]})
    assert _post_sns(api, delivered, auth).status == 200
    assert _post_sns(api, _sns(mail, "Complaint", "c-1", complaint={"complainedRecipients": []}), auth).status == 200
    got = api.get(f"/emails/{message_id}", token=token).body
    assert got["delivered_at"] and got["unsubscribed_at"]
    assert "email.unsubscribed" in _types(api, token, contact_id)
    assert "suppressed:complained" in send(api, token, contact_id).raw


@pytest.mark.parametrize("auth", [None, "Basic " + "c25zOndyb25n", "Bearer x", "Basic !!!"])
def test_feedback_without_the_right_credentials_is_403_and_changes_nothing(cloud: Any, api: Api, owner: dict[str, Any],
                                                                          auth: str | None) -> None:
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    reply = _post_sns(api, _sns(mail, "Bounce", **BOUNCE), auth)
    assert reply.status == 403 and reply.body["error"]["code"] == "forbidden"
    assert api.get(f"/emails/{message_id}", token=token).body["bounced_at"] is None
    assert "email.bounced" not in _types(api, token, contact_id)


def test_feedback_from_another_topic_is_403(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    _, message_id, mail = _sent(cloud, api, owner)
    envelope = SIGNER.sign({**_sns(mail, "Bounce", **BOUNCE),
                            "TopicArn": "arn:aws:sns:us-east-1:999999999999:someone-else"})
    reply = _post_sns(api, envelope, basic_auth(email_config().webhook_secret))
    assert reply.status == 403 and reply.body["error"]["details"]["field"] == "TopicArn", reply
    assert api.get(f"/emails/{message_id}", token=owner["access_token"]).body["bounced_at"] is None


@pytest.mark.parametrize("forge", ["unsigned", "altered", "other_key", "foreign_certificate"])
def test_feedback_with_the_credentials_but_no_valid_sns_signature_is_403(cloud: Any, api: Api,
                                                                         owner: dict[str, Any], forge: str) -> None:
    # Given someone who learned the subscription's credentials, but cannot sign as SNS
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    signed = _sns(mail, "Bounce", **BOUNCE)
    envelope = {
        "unsigned": {k: v for k, v in signed.items() if k not in ("Signature", "SigningCertURL")},
        "altered": {**signed, "MessageId": "another-id"},
        "other_key": SnsSigner().sign({k: v for k, v in signed.items() if k != "Signature"}),
        "foreign_certificate": {**signed, "SigningCertURL": "https://attacker.example/sns.pem"},
    }[forge]

    # When it posts a bounce
    reply = _post_sns(api, envelope, basic_auth(email_config().webhook_secret))

    # Then it is refused naming the signature field, and nothing is suppressed
    assert reply.status == 403, reply
    assert reply.body["error"]["details"]["field"] in ("Signature", "SignatureVersion", "SigningCertURL"), reply
    assert api.get(f"/emails/{message_id}", token=token).body["bounced_at"] is None
    assert "email.bounced" not in _types(api, token, contact_id)
    assert send(api, token, contact_id).status == 202  # the address is not suppressed


def test_a_signed_subscription_confirmation_is_confirmed_by_visiting_its_url(
        cloud: Any, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given SNS asking to confirm the feedback subscription (signed), and SNS's confirm URL answering
    visited: list[str] = []

    class Answer:
        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self, size: int) -> bytes:
            return b"<ConfirmSubscriptionResponse/>"

    monkeypatch.setattr(feedback.urllib.request, "urlopen", lambda url, timeout: visited.append(url) or Answer())
    url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=2336412f37"
    confirmation = SIGNER.sign({"Type": "SubscriptionConfirmation", "MessageId": "165545c9", "Token": "2336412f37",
                                "TopicArn": next(iter(email_config().feedback_topic_arns)), "SubscribeURL": url,
                                "Message": "You have chosen to subscribe", "Timestamp": "2026-11-22T03:40:00.000Z"})

    # When it is posted, and again with its SubscribeURL pointed elsewhere (so no longer signed)
    reply = _post_sns(api, confirmation, basic_auth(email_config().webhook_secret))
    forged = _post_sns(api, {**confirmation, "SubscribeURL": "https://attacker.example/"},
                       basic_auth(email_config().webhook_secret))

    # Then the subscription is confirmed at SNS's URL, and the forged one visits nothing
    assert (reply.status, reply.body["status"]) == (200, "confirmed"), reply
    assert forged.status == 403 and visited == [url]


def _reply(mail: dict[str, Any], *, in_reply_to: bool = True, to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ada <ada@example.com>"
    msg["To"] = to or mail["reply_to"]
    msg["Subject"] = "Re: " + mail["subject"]
    msg["Message-ID"] = "<reply-1@example.com>"
    if in_reply_to:
        msg["In-Reply-To"] = mail["message_id_header"]
        msg["References"] = mail["message_id_header"]
    msg.set_content("Yes, call me tomorrow.\n\nOn Sun, Nov 22, 2026 Acme wrote:\n> Hello Ada\n")
    return msg.as_bytes()


def test_a_reply_is_matched_by_in_reply_to_and_emits_email_replied_once(cloud: Any, api: Api,
                                                                         owner: dict[str, Any]) -> None:
    # Given a sent email
    token = owner["access_token"]
    contact_id, message_id, mail = _sent(cloud, api, owner)
    raw = _reply(mail)
    # When the relay posts the reply twice (a retried webhook)
    first = api.call("POST", "/email/inbound", raw=raw.decode(), headers=signed(raw))
    second = api.call("POST", "/email/inbound", raw=raw.decode(), headers=signed(raw))
    # Then one email.replied is stored, with the contact id the automation runtime reads, and it reaches the bus
    assert first.body == {"status": "recorded", "message_id": message_id}
    assert second.body["status"] == "duplicate"
    timeline = api.get(f"/contacts/{contact_id}/timeline", token=token).body["items"]
    replied = [e for e in timeline if e["type"] == "email.replied"]
    assert len(replied) == 1 and replied[0]["data"]["body"] == "Yes, call me tomorrow."
    triggers = [e for e in receive_events(cloud, "AutomationTriggersQueue") if e["detail-type"] == "email.replied"]
    assert len(triggers) == 1 and triggers[0]["detail"]["data"]["contact_id"] == contact_id


def test_a_reply_is_matched_by_its_reply_address_alone(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    _, message_id, mail = _sent(cloud, api, owner)
    raw = _reply(mail, in_reply_to=False)
    assert api.call("POST", "/email/inbound", raw=raw.decode(), headers=signed(raw)).body["message_id"] == message_id
    # A forged reply address matches nothing
    local, domain = mail["reply_to"].split("<")[-1].rstrip(">").split("@")
    forged = _reply(mail, in_reply_to=False, to=f"{local[:-3]}aaa@{domain}")
    assert api.call("POST", "/email/inbound", raw=forged.decode(), headers=signed(forged)).body == {
        "status": "unmatched"}


def test_an_unsigned_or_wrongly_signed_reply_is_403_and_stores_nothing(cloud: Any, api: Api,
                                                                        owner: dict[str, Any]) -> None:
    token = owner["access_token"]
    contact_id, _, mail = _sent(cloud, api, owner)
    raw = _reply(mail)
    other = signed(b"another body")
    for headers in ({"Content-Type": "message/rfc822"}, other):
        reply = api.call("POST", "/email/inbound", raw=raw.decode(), headers=headers)
        assert reply.status == 403, reply
    assert "email.replied" not in _types(api, token, contact_id)


def test_a_batch_that_fails_after_the_ses_call_never_sends_twice(cloud: Any, api: Api, owner: dict[str, Any]) -> None:
    # Given a queued email and a DynamoDB that refuses the next transaction (the recording after the SES call)
    token = owner["access_token"]
    verified_sender(api, token)
    contact_id = contact(api, token)
    message_id = send(api, token, contact_id).body["id"]
    failures = {"left": 1}

    def refuse(**kwargs: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("simulated crash after the provider call")

    from leadpilot.db.base import _connection

    client = _connection("us-east-1").client
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", refuse)
    try:
        # When the worker runs: SES accepts the message, then the batch fails and SQS redelivers it
        sqs = boto3.client("sqs")
        url = cloud.resources["EmailSendQueue"].url
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
        with pytest.raises(BatchProcessingError):  # the whole batch failed: Lambda leaves it on the queue
            deliver(cloud)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", refuse)
    assert failures["left"] == 0
    assert deliver(cloud) == 1  # the redelivery
    # Then SES has exactly one copy, and the redelivery finished the recording: one email.sent
    assert len([m for m in captured(api, token) if m["message_id"] == message_id]) == 1
    assert api.get(f"/emails/{message_id}", token=token).body["status"] == "sent"
    assert _types(api, token, contact_id).count("email.sent") == 1


def test_a_rejected_or_newly_suppressed_email_is_recorded_as_failed(cloud: Any, api: Api,
                                                                    owner: dict[str, Any]) -> None:
    # Given two queued emails: SES stops trusting the sender, and one contact unsubscribes meanwhile
    token = owner["access_token"]
    verified_sender(api, token)
    rejected_contact = contact(api, token, "rej@example.com")
    rejected = send(api, token, rejected_contact).body["id"]
    quitter = contact(api, token, "quit@example.com")
    skipped = send(api, token, quitter).body["id"]
    from leadpilot.email.suppression import suppress

    suppress(owner["workspace"]["id"], "quit@example.com", "unsubscribed", None)
    boto3.client("ses").delete_identity(Identity="hello@acme.test")
    # When the worker runs
    deliver(cloud)
    # Then nothing went out, and each contact's timeline says why
    assert captured(api, token) == []
    assert api.get(f"/emails/{rejected}", token=token).body["status"] == "failed"
    assert api.get(f"/emails/{skipped}", token=token).body["reason"] == "suppressed:unsubscribed"
    for contact_id, status in ((rejected_contact, "failed"), (quitter, "skipped")):
        items = api.get(f"/contacts/{contact_id}/timeline", token=token).body["items"]
        failed = [e for e in items if e["type"] == "email.failed"]
        assert len(failed) == 1 and failed[0]["data"]["status"] == status
