"""Webhook signatures: Twilio's X-Twilio-Signature (through twilio's own RequestValidator) and our HMAC scheme.

The sandbox signs simulated Twilio requests with `twilio_signature`, which uses the same RequestValidator
that verifies them, so the simulator and production exercise one code path.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from twilio.request_validator import RequestValidator

TWILIO_HEADER = "X-Twilio-Signature"
WEBHOOK_HEADER = "X-LeadPilot-Signature"
DEFAULT_TOLERANCE_SECONDS = 300

FormParams = Mapping[str, str | Sequence[str]]


class _MultiValues(dict[str, list[str]]):
    """A form as name -> values; RequestValidator reads repeated fields through `getlist`."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def _form(params: FormParams | None) -> _MultiValues:
    return _MultiValues({name: [value] if isinstance(value, str) else list(value)
                         for name, value in (params or {}).items()})


def twilio_signature(auth_token: str, url: str, params: FormParams | None) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url` (used by the sandbox)."""
    return str(RequestValidator(auth_token).compute_signature(url, _form(params)))


def twilio_signature_valid(auth_token: str, url: str, params: FormParams | None, signature: str | None) -> bool:
    """True when the signature matches the public URL Twilio called and the form it posted; False if missing."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, _form(params), signature))


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= 12:  # int() refuses "²"
            timestamp = int(value)
        elif name == "v1" and value:
            macs.append(value)
    return (timestamp, macs) if timestamp is not None and macs else None


def verify_webhook(secrets: str | Sequence[str], body: bytes, header: str | None, now: int,
                   tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """True when one v1 MAC matches one of the secrets (rotation) and the timestamp is within tolerance."""
    parsed = _parse(header) if header else None
    if parsed is None:
        return False
    timestamp, macs = parsed
    if abs(now - timestamp) > tolerance:
        return False
    keys = [k for k in ([secrets] if isinstance(secrets, str) else secrets) if k]  # an empty secret signs nothing
    # Compare against every candidate without stopping early, so timing does not tell which part matched.
    matched = False
    for key in keys:
        expected = _mac(key, timestamp, body)
        for mac in macs:
            matched |= hmac.compare_digest(expected.encode(), mac.encode())
    return matched
