"""Signed tracking links: click redirects and the open pixel, and rewriting an HTML body's links to them.

A token is `base64url(payload).base64url(mac)`; the destination URL sits inside the signed payload, so the
redirect route never needs a lookup and can never be made to redirect to a URL we did not sign.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import re
from urllib.parse import urlsplit

MAC_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: unforgeable, and keeps links short
MAX_URL_LENGTH = 2048
_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.IGNORECASE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, b"leadpilot.link.v1\x00" + payload, hashlib.sha256).digest()[:MAC_BYTES]


def is_trackable(url: str) -> bool:
    """True for an absolute http(s) URL with a host and no control characters or spaces."""
    if len(url) > MAX_URL_LENGTH or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _sign(key: bytes, fields: list[str]) -> str:
    if not key:
        raise ValueError("a tracking key is required")
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def _open(key: bytes, token: str) -> list[str] | None:
    """The signed fields of a token, or None if it is malformed, unsigned or tampered with."""
    encoded, dot, mac = token.partition(".")
    if not key or not dot or len(token) > 4 * MAX_URL_LENGTH:
        return None
    try:
        payload, given = _unb64(encoded), _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(_mac(key, payload), given):
        return None
    try:
        fields = json.loads(payload)
    except ValueError:
        return None
    return fields if isinstance(fields, list) and all(isinstance(f, str) for f in fields) else None


def sign_click(message_id: str, url: str, key: bytes) -> str:
    """A click token carrying the message id and the destination; only http(s) URLs may be signed."""
    if not is_trackable(url):
        raise ValueError("only absolute http(s) URLs can be tracked")
    return _sign(key, ["c", message_id, url])


def decode_click(token: str, key: bytes) -> tuple[str, str] | None:
    """(message id, destination) of a genuine click token, else None (the route answers 404)."""
    fields = _open(key, token)
    if not fields or len(fields) != 3 or fields[0] != "c" or not is_trackable(fields[2]):
        return None
    return fields[1], fields[2]


def verify_click(token: str, key: bytes) -> str | None:
    """The destination of a genuine click token, else None: never redirect anywhere that was not signed."""
    decoded = decode_click(token, key)
    return decoded[1] if decoded else None


def sign_open(message_id: str, key: bytes) -> str:
    """An open-pixel token for a message."""
    return _sign(key, ["o", message_id])


def verify_open(token: str, key: bytes) -> str | None:
    """The message id of a genuine open token, else None."""
    fields = _open(key, token)
    return fields[1] if fields and len(fields) == 2 and fields[0] == "o" else None


def click_url(base_url: str, message_id: str, url: str, key: bytes) -> str:
    """The public redirect URL for a link: `<base>/c/<token>`."""
    return f"{base_url.rstrip('/')}/c/{sign_click(message_id, url, key)}"


def open_pixel(base_url: str, message_id: str, key: bytes) -> str:
    """The 1x1 open-tracking image tag to append to an HTML body."""
    src = html.escape(f"{base_url.rstrip('/')}/o/{sign_open(message_id, key)}.gif")
    return f'<img src="{src}" width="1" height="1" alt="" style="display:none">'


def rewrite_links(body_html: str, message_id: str, key: bytes, base_url: str,
                  unsubscribe_url: str | None = None) -> str:
    """Every http(s) link of a sanitized HTML body pointed at its signed click URL.

    mailto:, tel:, anchors, the unsubscribe link and links already on `base_url` are left alone: the
    unsubscribe link must work with one click even when tracking is blocked.
    """
    own = base_url.rstrip("/") + "/"

    def replace(match: re.Match[str]) -> str:
        url = html.unescape(match.group(2)).strip()
        if not is_trackable(url) or url == unsubscribe_url or url.startswith(own):
            return match.group(0)
        return f"{match.group(1)}{html.escape(click_url(base_url, message_id, url, key))}{match.group(3)}"

    return _HREF.sub(replace, body_html)
