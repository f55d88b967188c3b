"""Signed reschedule/cancel links: the token names the workspace, the appointment and its version, with an HMAC.

A forged or malformed token is 404; a genuine one for an older version (the appointment moved or was cancelled
since) is 410: each link works for the appointment as it was when the link was sent, once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from leadpilot.errors import DomainError, NotFound
from leadpilot.ids import is_valid_id
from leadpilot.settings import Settings

_MAC_BYTES = 16


def app_base(settings: Settings, api_base: str) -> str:
    """Where the dashboard's public pages (booking, manage) are served: the local cloud serves the dashboard on
    its own origin (dev tools on); a deployment on the dashboard's origin when it has one; else the API's base."""
    if settings.dev_tools or not settings.dashboard_origin:
        return api_base.rstrip("/")
    return settings.dashboard_origin


class LinkUsed(DomainError):
    status = 410
    code = "link_used"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"leadpilot.calendar.manage", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(secret: str, workspace_id: str, appointment_id: str, version: int) -> str:
    payload = f"{workspace_id}.{appointment_id}.{version}".encode()
    mac = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{_b64(payload)}~{_b64(mac)}"  # no dot: the dashboard serves paths with one as files


def verify(secret: str, token: str) -> tuple[str, str, int]:
    """(workspace, appointment, version) of a genuine token; NotFound otherwise (nothing says why)."""
    missing = NotFound("no such booking link", {"field": "token"})
    body, _, mac = token.partition("~")
    if len(token) > 200 or not body or not mac:
        raise missing
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except ValueError as exc:
        raise missing from exc
    expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(given, expected):
        raise missing
    parts = payload.decode(errors="replace").split(".")
    if len(parts) != 3 or not all(is_valid_id(p) for p in parts[:2]) or not parts[2].isdigit():
        raise missing
    return parts[0], parts[1], int(parts[2])
