"""Voice resources for the tenant-isolation suite. Twilio's voice webhooks are public: their signature is the
credential (tests/integration/test_voice_calls.py covers forged ones)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from leadpilot.messages.signatures import TWILIO_HEADER, twilio_signature
from leadpilot.sms.config import messaging_config
from tests.integration.isolation.integrations import TWILIO

HOOKS = ("answer", "status", "recording", "gather", "relay-end", "amd")
PUBLIC = {("POST", "/webhooks/twilio/voice"), *(("POST", f"/webhooks/twilio/voice/{hook}") for hook in HOOKS)}
_ANY_ID = "01M80A45J90JMESM0AR82N1PFF"
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/calls"): {"contact_id": _ANY_ID, "consent": "express"},
    ("PUT", "/phone-numbers/{number_id}/voice"): {"greeting": "Stolen greeting"},
    ("POST", "/dev/voice/calls"): {"number_id": _ANY_ID},
}


def seed(api: Any, token: str) -> dict[str, str]:
    """A number with a voice configuration, and a call to it: the workspace's own Twilio account (saved by the
    integrations seed) signs the voice webhook, as Twilio would."""
    number = api.post("/phone-numbers", {"number": "+14155550172"}, token=token).body
    api.call("PUT", f"/phone-numbers/{number['id']}/voice", {"greeting": "Secret greeting"}, token=token)
    form = {"AccountSid": TWILIO["account_sid"], "CallSid": "CA" + "5e" * 16, "From": "+14155550173",
            "To": number["number"], "CallStatus": "ringing"}
    url = (messaging_config().public_base_url or "http://localhost") + "/webhooks/twilio/voice"
    answered = api.call("POST", "/webhooks/twilio/voice", raw=urlencode(form),
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 TWILIO_HEADER: twilio_signature(TWILIO["auth_token"], url, form)})
    assert answered.status == 200, answered
    return {"call_id": api.get("/calls", token=token).body["items"][0]["id"]}


def secrets(ids: dict[str, str]) -> set[str]:
    return {"Secret greeting"}


def snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"call": api.get(f"/calls/{ids['call_id']}", token=token).body,
            "calls": api.get("/calls", token=token).body}
