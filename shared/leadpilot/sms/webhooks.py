"""Reading a Twilio webhook: the form it posted, the public URL it signed, and the signature check.

Twilio signs the URL it called. The URL is rebuilt from PUBLIC_BASE_URL when set (a custom domain: the base
that was given to Twilio, without the route path), else from the request as API Gateway delivers it:
X-Forwarded-Proto, Host and the path as Twilio sent it, with the stage on the execute-api domain
(`leadpilot.api.request.base_url`; the template cannot tell this function the API's URL without a cycle).

Whose auth token checks the signature comes from the form's AccountSid, which is only a claim until the signature
matches: the platform's account (or the sandbox's) is checked with the platform's token; an account a workspace
saved as its own (`credentials.account_owner`) with that workspace's token, and what such a webhook may touch is
then limited to that workspace (`Signed.workspace_id`); any other account with the platform's token, as before.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from leadpilot.api.request import base_url
from leadpilot.errors import Forbidden, UnsupportedMediaType
from leadpilot.integrations import credentials
from leadpilot.messages.signatures import TWILIO_HEADER, twilio_signature, twilio_signature_valid
from leadpilot.settings import Settings
from leadpilot.sms.config import MessagingConfig
from leadpilot.sms.provider import platform_config
from leadpilot.untrusted import check_texts

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024


class InvalidSignature(Forbidden):
    code = "invalid_signature"


class ForeignAccount(Forbidden):
    """A workspace's own Twilio account signed a webhook about a number or text of another workspace."""

    code = "foreign_account"


@dataclass(frozen=True)
class Signed:
    """A webhook whose signature checks out: its form, and the workspace whose own Twilio account signed it
    (None: the platform's account, which may speak for every workspace)."""

    form: dict[str, str]
    workspace_id: str | None = None


def require_owner(signed_by: str | None, owner: str | None, field: str) -> None:
    """403 unless the number or text a webhook is about (`owner`: its workspace) belongs to the workspace whose
    own account signed it; the platform's account (`signed_by` None) speaks for every workspace."""
    if signed_by is not None and owner != signed_by:
        raise ForeignAccount(f"the Twilio account that signed this request does not own its {field}",
                             {"field": field})


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


def verify(config: MessagingConfig, url: str, form: Mapping[str, str], signature: str | None,
           auth_token: str | None = None) -> None:
    """403 unless the signature is Twilio's (or the sandbox's) for exactly this URL and form, made with
    `auth_token` (by default the platform's)."""
    if not signature:
        raise InvalidSignature(f"the {TWILIO_HEADER} header is missing", {"field": TWILIO_HEADER})
    token = config.webhook_auth_token if auth_token is None else auth_token
    if not twilio_signature_valid(token, url, dict(form), signature):
        raise InvalidSignature(f"the {TWILIO_HEADER} signature does not match this request",
                               {"field": TWILIO_HEADER})


def signer(settings: Settings, config: MessagingConfig, form: Mapping[str, str]) -> tuple[str | None, str]:
    """(workspace, auth token) that must have signed a webhook naming this AccountSid: a workspace's own account,
    else (None, the platform's token)."""
    account = (form.get("AccountSid") or "").strip()
    if not account or account.lower() == config.webhook_account_sid.lower():
        return None, config.webhook_auth_token  # the platform's own account is never a workspace's
    saved = platform_config(settings, config)  # the account the platform saved in its settings, if any
    if account.lower() == saved.twilio_account_sid.lower():
        return None, saved.twilio_auth_token
    workspace_id = credentials.account_owner(settings, "twilio", account)
    own = credentials.workspace_secret(settings, workspace_id, "twilio") if workspace_id else None
    if workspace_id is None or own is None:
        return None, config.webhook_auth_token
    if own["account_sid"].lower() != account.lower():
        return workspace_id, ""  # replaced while we looked: nothing signs for it (an empty token matches nothing)
    return workspace_id, own["auth_token"]


def verified_form(settings: Settings, config: MessagingConfig, request: Any) -> Signed:
    """The form of a webhook whose signature checks out, and whose account signed it; else 403 (nothing is read
    further)."""
    signature = request.headers.get(TWILIO_HEADER.lower())
    if not signature:
        raise InvalidSignature(f"the {TWILIO_HEADER} header is missing", {"field": TWILIO_HEADER})
    form = read_form(request)
    workspace_id, token = signer(settings, config, form)
    verify(config, public_url(config, request), form, signature, token)
    return Signed(form, workspace_id)


def sign(config: MessagingConfig, url: str, form: Mapping[str, str]) -> str:
    """The signature Twilio would send (the sandbox simulator uses it; the same validator checks it)."""
    return twilio_signature(config.webhook_auth_token, url, dict(form))
