"""Reading a Twilio webhook: the form it posted, the public URL it signed, and the signature check.

Twilio signs the URL it called. The URL is rebuilt from PUBLIC_BASE_URL when set (a custom domain: the base
that was given to Twilio, without the route path), else from the request as API Gateway delivers it:
X-Forwarded-Proto, Host and the path as Twilio sent it, with the stage on the execute-api domain
(`leadpilot.api.request.base_url`; the template cannot tell this function the API's URL without a cycle).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from leadpilot.api.request import base_url
from leadpilot.errors import Forbidden, UnsupportedMediaType
from leadpilot.messages.signatures import TWILIO_HEADER, twilio_signature, twilio_signature_valid
from leadpilot.sms.config import MessagingConfig
from leadpilot.untrusted import check_texts

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024


class InvalidSignature(Forbidden):
    code = "invalid_signature"


def public_url(config: MessagingConfig, request: Any, route_path: str | None = None) -> str:
    """The URL Twilio called for this request (what its signature covers); `route_path` names another route of
    the same API (the simulator signs for the webhook route it calls)."""
    own_path = str((request.context or {}).get("resourcePath") or request.path)
    route_path = route_path or own_path
    url = (config.public_base_url or base_url(request)) + route_path
    params = request.query_params if route_path == own_path else None
    if params:
        url += "?" + urlencode([(k, v) for k in params for v in params.getlist(k)])
    return url


def read_form(request: Any) -> dict[str, str]:
    """The posted form (last value wins for repeated names; Twilio sends none)."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise UnsupportedMediaType(f"Content-Type must be {FORM}", {"field": "Content-Type"})
    try:
        raw = request.raw_body or b""
    except UnicodeEncodeError as exc:  # an event body holding a lone surrogate
        raise InvalidSignature("the request body is not a Twilio form") from exc
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidSignature("the request is too large to be a Twilio webhook")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidSignature("the request body is not a Twilio form") from exc
    check_texts(pairs)  # the signature is an HMAC over the UTF-8 form: every value must be encodable
    return dict(pairs)


def verify(config: MessagingConfig, url: str, form: Mapping[str, str], signature: str | None) -> None:
    """403 unless the signature is Twilio's (or the sandbox's) for exactly this URL and form."""
    if not signature:
        raise InvalidSignature(f"the {TWILIO_HEADER} header is missing", {"field": TWILIO_HEADER})
    if not twilio_signature_valid(config.webhook_auth_token, url, dict(form), signature):
        raise InvalidSignature(f"the {TWILIO_HEADER} signature does not match this request",
                               {"field": TWILIO_HEADER})


def verified_form(config: MessagingConfig, request: Any) -> dict[str, str]:
    """The form of a webhook whose signature checks out, else 403 (nothing is read further)."""
    signature = request.headers.get(TWILIO_HEADER.lower())
    if not signature:
        raise InvalidSignature(f"the {TWILIO_HEADER} header is missing", {"field": TWILIO_HEADER})
    form = read_form(request)
    verify(config, public_url(config, request), form, signature)
    return form


def sign(config: MessagingConfig, url: str, form: Mapping[str, str]) -> str:
    """The signature Twilio would send (the sandbox simulator uses it; the same validator checks it)."""
    return twilio_signature(config.webhook_auth_token, url, dict(form))
