"""Helpers of the email tests (no tests here): the app's handlers, a verified sender, sending and reading back."""
from __future__ import annotations

import time
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

from leadpilot.email.config import email_config
from leadpilot.email.models import EmailMessageItem
from leadpilot.email.outcomes import message_pk
from leadpilot.messages.signatures import sign_webhook
from tests.integration.conftest import drain_queue
from tests.support.apps import Api, load_module


def email_app() -> Any:
    return load_module("functions/email")


def verified_sender(api: Api, token: str, address: str = "hello@acme.test") -> dict[str, Any]:
    reply = api.call("PUT", "/email/sender", {"email": address, "name": "Acme"}, token=token)
    assert reply.status == 200, reply
    return dict(reply.body)


def contact(api: Api, token: str, email: str = "ada@example.com", **extra: Any) -> str:
    reply = api.post("/contacts", {"first_name": "Ada", "email": email, **extra}, token=token)
    assert reply.status == 201, reply
    return str(reply.body["id"])


def send(api: Api, token: str, contact_id: str, subject: str = "Hi {{first_name|there}}",
         body: str = "Hello **{{first_name}}**, see [our prices](https://acme.test/pricing).") -> Any:
    return api.post("/emails", {"contact_id": contact_id, "subject": subject, "body": body}, token=token)


def deliver(cloud: Any) -> int:
    """Play the send queue's consumer until it is empty."""
    return drain_queue(cloud, "EmailSendQueue", email_app().on_send)


def captured(api: Api, token: str) -> list[dict[str, Any]]:
    reply = api.get("/dev/emails", token=token)
    assert reply.status == 200, reply
    return list(reply.body["items"])


def mime_of(item: dict[str, Any]) -> EmailMessage:
    return message_from_string(item["raw"], policy=policy.default)  # type: ignore[return-value]


def backdate(workspace_id: str, message_id: str, seconds: int = 3600) -> None:
    """Pretend the message was sent a while ago (a real open comes later than a gateway's scan)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - seconds))
    EmailMessageItem(message_pk(workspace_id, message_id), "MSG").update(actions=[EmailMessageItem.sent_at.set(stamp)])


def path_of(url: str) -> str:
    """The API path of one of our public links."""
    base = email_config().public_base_url
    assert url.startswith(base), url
    return url[len(base):]


def signed(raw: bytes) -> dict[str, str]:
    return {"X-LeadPilot-Signature": sign_webhook(email_config().webhook_secret, raw, int(time.time())),
            "Content-Type": "message/rfc822"}
