"""Placing calls: Twilio's Calls API through the real client, or the sandbox (no credentials), which only names
the call; the voice simulator then plays Twilio's side against our webhooks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from leadpilot.sms.config import MessagingConfig


@dataclass(frozen=True)
class OutboundCall:
    call_id: str
    to: str
    from_: str
    answer_url: str  # what Twilio fetches as soon as the call is answered (the agent, at once)
    status_url: str
    recording_url: str | None  # the recording callback, when the call is recorded
    amd_url: str  # where Twilio posts the answering machine's verdict (AnsweredBy), seconds later


class Refused(Exception):
    """Twilio refused the call for good (a bad number, a number not ours)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class CallProvider(Protocol):
    name: str

    def create(self, call: OutboundCall) -> str:
        """Place the call; its CallSid."""
        ...

    def redirect(self, sid: str, document: str) -> None:
        """Replace what a live call is doing with `document` (TwiML)."""
        ...


def sandbox_sid(call_id: str) -> str:
    return "CA" + hashlib.sha256(f"sandbox:{call_id}".encode()).hexdigest()[:32]


class SandboxCalls:
    name = "sandbox"

    def create(self, call: OutboundCall) -> str:
        return sandbox_sid(call.call_id)

    def redirect(self, sid: str, document: str) -> None:
        """The sandbox's calls are simulated: nothing is live to redirect."""


_PERMANENT_HTTP = {400, 401, 403, 404, 409, 422}


class TwilioCalls:
    """Twilio's Calls API with asynchronous answering-machine detection: the call is connected to the agent as soon
    as it is answered (a person hears it at once), and the verdict, which waits for a greeting's end
    (DetectMessageEnd), comes to `amd_url`; a machine's call is then redirected to the voicemail after the beep."""

    name = "twilio"

    def __init__(self, config: MessagingConfig) -> None:
        self.config = config
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from leadpilot.sms.provider import twilio_client

            self._client = twilio_client(self.config)
        return self._client

    def create(self, call: OutboundCall) -> str:
        from twilio.base.exceptions import TwilioRestException

        params: dict[str, Any] = {
            "to": call.to, "from_": call.from_, "url": call.answer_url, "method": "POST",
            "status_callback": call.status_url, "status_callback_method": "POST",
            "status_callback_event": ["initiated", "ringing", "answered", "completed"],
            "machine_detection": "DetectMessageEnd", "machine_detection_timeout": 8,
            "async_amd": "true", "async_amd_status_callback": call.amd_url,
            "async_amd_status_callback_method": "POST"}
        if call.recording_url:
            params.update(record=True, recording_status_callback=call.recording_url,
                          recording_status_callback_event=["completed"])
        try:
            return str(self.client.calls.create(**params).sid)
        except TwilioRestException as exc:
            if exc.status in _PERMANENT_HTTP:
                raise Refused(str(exc.code or exc.status), str(exc.msg)) from exc
            raise

    def redirect(self, sid: str, document: str) -> None:
        self.client.calls(sid).update(twiml=document)


@lru_cache(maxsize=32)
def calls_for(config: MessagingConfig) -> CallProvider:
    """Twilio when credentials are configured (the platform's or the workspace's own), else the sandbox."""
    return SandboxCalls() if config.sandbox else TwilioCalls(config)
