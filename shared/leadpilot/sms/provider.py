"""The SMS provider interface and its two implementations: Twilio (the real client) and the sandbox.

`send` must be safe to call again for the same message: the sandbox keys its record on the message id;
Twilio has no idempotency key on Messages, so the worker never calls it twice for a message it has
claimed: after a crash it asks `find` whether Twilio already has the message (ADR 0009).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from pynamodb.exceptions import PutError

from leadpilot.api.cursors import decode_cursor, query_page
from leadpilot.clock import now_iso
from leadpilot.db.base import transaction
from leadpilot.integrations import credentials
from leadpilot.settings import Settings, get_settings
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.models import SandboxSmsItem


@dataclass(frozen=True)
class OutboundSms:
    """One text to hand to the provider; `message_id` is our id (the idempotency key)."""

    workspace_id: str
    message_id: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    claimed_at: str  # when this attempt started: what `find` looks after


@dataclass(frozen=True)
class Accepted:
    """The provider took the text: its id and status (queued, accepted, sending, sent)."""

    sid: str
    status: str


class Rejected(Exception):
    """The provider refused the text for good (bad number, unsubscribed recipient...): do not retry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class SmsProvider(Protocol):
    name: str

    def send(self, sms: OutboundSms) -> Accepted:
        """Hand a text over; Rejected when refused for good; anything else is transient (retry)."""
        ...

    def find(self, sms: OutboundSms) -> Accepted | None:
        """The provider's copy of a text handed over by an attempt that crashed, if it has one."""
        ...

    def send_many(self, batch: list[OutboundSms]) -> list[Accepted | Exception]:
        """Hand several texts over; one result per text, in order: Accepted, Rejected, or the transient error.
        By default one `send` per text (an error on one text does not stop the others)."""
        results: list[Accepted | Exception] = []
        for sms in batch:
            try:
                results.append(self.send(sms))
            except Exception as exc:  # reported per text; the worker decides what it means
                results.append(exc)
        return results


_MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit


def sandbox_sid(message_id: str) -> str:
    """A Twilio-shaped message sid, the same for every attempt of one message."""
    return "SM" + hashlib.sha256(f"sandbox:{message_id}".encode()).hexdigest()[:32]


def _sandbox_record(sms: OutboundSms) -> SandboxSmsItem:
    return SandboxSmsItem(f"WS#{sms.workspace_id}#SMS_SANDBOX", f"OUT#{sms.message_id}", message_id=sms.message_id,
                          sid=sandbox_sid(sms.message_id), to=sms.to, from_=sms.from_, body=sms.body,
                          status_callback=sms.status_callback, sent_at=now_iso())


class SandboxProvider(SmsProvider):
    """Records texts in the workspace's sandbox outbox instead of sending them (no Twilio credentials)."""

    name = "sandbox"

    def send(self, sms: OutboundSms) -> Accepted:
        item = _sandbox_record(sms)
        try:
            item.save(condition=SandboxSmsItem.PK.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        return Accepted(item.sid, "queued")

    def send_many(self, batch: list[OutboundSms]) -> list[Accepted | Exception]:
        """The batch's records in one unconditional write, keyed on our message id: writing one again (only
        possible after a claim found no copy, ADR 0009) leaves one text in the outbox. A transaction, not
        BatchWriteItem: DynamoDB Local commits a BatchWriteItem item by item (measured: ~7x the wall time and
        ~2x the CPU per item of a transaction of the same items), and the local cloud is where this runs."""
        items = [_sandbox_record(sms) for sms in batch]
        unique = list({item.SK: item for item in items}.values())  # a transaction refuses one key twice
        for start in range(0, len(unique), _MAX_TRANSACTION_ITEMS):
            with transaction(get_settings()) as txn:
                for item in unique[start:start + _MAX_TRANSACTION_ITEMS]:
                    txn.save(item)
        return [Accepted(item.sid, "queued") for item in items]

    def find(self, sms: OutboundSms) -> Accepted | None:
        try:
            item = SandboxSmsItem.get(f"WS#{sms.workspace_id}#SMS_SANDBOX", f"OUT#{sms.message_id}",
                                      consistent_read=True)
        except SandboxSmsItem.DoesNotExist:
            return None
        return Accepted(item.sid, "queued")


def sandbox_outbox(workspace_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """What the sandbox "sent" for a workspace, newest first."""
    return sandbox_outbox_page(workspace_id, limit, None)[0]


def sandbox_outbox_page(workspace_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of what the sandbox "sent" for a workspace, newest first."""
    items, next_cursor = query_page(SandboxSmsItem, f"WS#{workspace_id}#SMS_SANDBOX", "OUT#", limit,
                                    decode_cursor(cursor), newest_first=True)
    return [{"message_id": i.message_id, "sid": i.sid, "to": i.to, "from": i.from_, "body": i.body,
             "status_callback": i.status_callback, "sent_at": i.sent_at} for i in items], next_cursor


_PERMANENT_HTTP = {400, 401, 403, 404, 409, 422}


class TwilioProvider(SmsProvider):
    """Twilio's REST API through the official client (imported on first use: it is heavy); `send_many` is
    one call per text (Twilio has no batch send)."""

    name = "twilio"

    def __init__(self, config: MessagingConfig) -> None:
        self.config = config
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = twilio_client(self.config)
        return self._client

    def send(self, sms: OutboundSms) -> Accepted:
        from twilio.base.exceptions import TwilioRestException

        params: dict[str, Any] = {"to": sms.to, "body": sms.body}
        if self.config.twilio_messaging_service_sid:
            params["messaging_service_sid"] = self.config.twilio_messaging_service_sid
        else:
            params["from_"] = sms.from_
        if sms.status_callback:
            params["status_callback"] = sms.status_callback
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as exc:
            if exc.status in _PERMANENT_HTTP:
                raise Rejected(str(exc.code or exc.status), str(exc.msg)) from exc
            raise  # 429 / 5xx: transient, the queue retries (after `find`)
        return Accepted(str(message.sid), str(message.status or "queued"))

    def find(self, sms: OutboundSms) -> Accepted | None:
        since = datetime.fromisoformat(sms.claimed_at.replace("Z", "+00:00")) - timedelta(minutes=5)
        for message in self.client.messages.list(to=sms.to, from_=sms.from_, limit=50):
            created = message.date_created or datetime.now(UTC)
            if message.body == sms.body and created >= since:
                return Accepted(str(message.sid), str(message.status or "queued"))
        return None


def _http_client(base_url: str) -> Any:
    """Twilio's own HTTP client, rebased on `base_url` when one is configured (a local stub in tests)."""
    from twilio.http.http_client import TwilioHttpClient

    if not base_url:
        return TwilioHttpClient(timeout=10)

    class Rebased(TwilioHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            path = url.split("://", 1)[-1].split("/", 1)[-1]
            return super().request(method, f"{base_url.rstrip('/')}/{path}", *args, **kwargs)

    return Rebased(timeout=10)


@lru_cache(maxsize=32)
def provider_for(config: MessagingConfig) -> SmsProvider:
    """Twilio when credentials are configured, else the sandbox."""
    return SandboxProvider() if config.sandbox else TwilioProvider(config)


def workspace_config(settings: Settings, config: MessagingConfig, workspace_id: str) -> MessagingConfig:
    """The configuration a workspace sends with: its own Twilio account when it saved one, else the account the
    platform saved in its settings, else the deployment's (its environment, or the sandbox)."""
    own = credentials.workspace_secret(settings, workspace_id, "twilio")
    if own is not None:
        return replace(config, twilio_account_sid=own["account_sid"], twilio_auth_token=own["auth_token"],
                       twilio_messaging_service_sid="")  # the platform's messaging service is not in their account
    return platform_config(settings, config)


def platform_config(settings: Settings, config: MessagingConfig) -> MessagingConfig:
    """The deployment's configuration with the Twilio account the platform saved (cached per process), if any."""
    from leadpilot.platform.settings import platform_credential  # lazy: the platform sits beside the channels

    saved = platform_credential(settings, "twilio")
    if saved is None:
        return config
    return replace(config, twilio_account_sid=saved["account_sid"], twilio_auth_token=saved["auth_token"],
                   twilio_messaging_service_sid=saved.get("messaging_service_sid", ""))


def twilio_client(config: MessagingConfig) -> Any:
    """The real twilio REST client for the config's account, on the API base it names (Twilio or the sandbox)."""
    from twilio.rest import Client

    return Client(config.twilio_account_sid, config.twilio_auth_token,
                  http_client=_http_client(config.twilio_api_base_url))
