"""The MIME message we hand to SES: our Message-ID, a signed reply address, List-Unsubscribe (RFC 8058),
tracked links and the open pixel in the HTML part, and the plain-text alternative."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, formatdate
from typing import Any, cast

from leadpilot.email import links
from leadpilot.email.config import EmailConfig
from leadpilot.email.content import list_unsubscribe_headers
from leadpilot.ids import crockford, from_crockford

_MESSAGE_ID = re.compile(r"<([0-9A-HJKMNP-TV-Z]{26})\.([0-9A-HJKMNP-TV-Z]{26})@[^>\s]+>")
_REPLY_MAC_BYTES = 6
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in the raw message, and what mail clients send


@dataclass(frozen=True)
class Outgoing:
    """What one message needs to become MIME."""

    workspace_id: str
    message_id: str
    from_email: str
    from_name: str | None
    to: str
    subject: str
    html: str
    text: str
    attachments: tuple[dict[str, str], ...] = ()  # {filename, content_type, content}: text files (an .ics)


def link_subject(workspace_id: str, message_id: str) -> str:
    """The id a tracking or unsubscribe token signs: both the workspace and the message."""
    return f"{workspace_id}.{message_id}"


def split_subject(subject: str) -> tuple[str, str] | None:
    workspace_id, dot, message_id = subject.partition(".")
    return (workspace_id, message_id) if dot and len(workspace_id) == 26 and len(message_id) == 26 else None


def message_id_header(workspace_id: str, message_id: str, from_email: str) -> str:
    """`<message.workspace@sender-domain>`: replies quote it back in In-Reply-To / References."""
    return f"<{message_id}.{workspace_id}@{from_email.rsplit('@', 1)[-1]}>"


def ids_in_references(*headers: str | None) -> list[tuple[str, str]]:
    """(workspace, message) of every one of our Message-IDs quoted in In-Reply-To / References headers."""
    found = [(m.group(2), m.group(1)) for h in headers if h for m in _MESSAGE_ID.finditer(h)]
    return list(dict.fromkeys(found))


def _ulid_bytes(value: str) -> bytes:
    return from_crockford(value).to_bytes(17, "big")[1:]


def _ulid(data: bytes) -> str:
    return crockford(int.from_bytes(data, "big"))


def _reply_mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, b"leadpilot.reply.v1\x00" + payload, hashlib.sha256).digest()[:_REPLY_MAC_BYTES]


def reply_address(config: EmailConfig, workspace_id: str, message_id: str) -> str:
    """`r+<token>@<inbound domain>`: the token packs both ids and a short MAC in 61 base32 characters, so the
    local part stays within RFC 5321's 64."""
    payload = _ulid_bytes(workspace_id) + _ulid_bytes(message_id)
    token = base64.b32encode(payload + _reply_mac(config.link_key, payload)).decode().rstrip("=").lower()
    return f"r+{token}@{config.inbound_domain}"


def parse_reply_address(config: EmailConfig, address: str) -> tuple[str, str] | None:
    """(workspace, message) of a genuine reply address, else None."""
    local, _, domain = address.strip().lower().partition("@")
    if domain != config.inbound_domain or not local.startswith("r+"):
        return None
    token = local[2:].upper()
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except ValueError:
        return None
    if len(raw) != 32 + _REPLY_MAC_BYTES or not any(
            hmac.compare_digest(_reply_mac(keys.link, raw[:32]), raw[32:]) for keys in config.keys):
        return None
    return _ulid(raw[:16]), _ulid(raw[16:32])


def unsubscribe_token(config: EmailConfig, workspace_id: str, message_id: str) -> str:
    """A token only the unsubscribe routes accept (its own key: an open or click token is not one)."""
    return links.sign_open(link_subject(workspace_id, message_id), config.unsubscribe_key)


def read_unsubscribe_token(config: EmailConfig, token: str) -> tuple[str, str] | None:
    subject = next(filter(None, (links.verify_open(token, keys.unsubscribe) for keys in config.keys)), None)
    return split_subject(subject) if subject else None


def tracked_html(config: EmailConfig, workspace_id: str, message_id: str, html: str) -> str:
    """Links through signed click redirects, an unsubscribe footer, and the open pixel at the end."""
    subject = link_subject(workspace_id, message_id)
    unsubscribe = config.unsubscribe_url(unsubscribe_token(config, workspace_id, message_id))
    body = links.rewrite_links(html, subject, config.link_key, config.tracking_base, unsubscribe)
    footer = f'<p><a href="{unsubscribe}">Unsubscribe</a></p>'
    return body + footer + links.open_pixel(config.tracking_base, subject, config.link_key)


def build(config: EmailConfig, out: Outgoing) -> bytes:
    """The complete RFC 5322 message, multipart/alternative (text first, HTML preferred), with a multipart/mixed
    around it when there are attachments. Built with the email package's compat32 classes: EmailMessage's header
    registry parses every header it is given, and took 4.4 ms a message against 0.8 ms (the send worker builds
    every email it sends). Headers with other than ASCII are RFC 2047 encoded words, bodies quoted-printable UTF-8."""
    unsubscribe = config.unsubscribe_url(unsubscribe_token(config, out.workspace_id, out.message_id))
    msg = alternative = MIMEMultipart("alternative")
    alternative.attach(_text(out.text + f"\n--\nUnsubscribe: {unsubscribe}\n", "plain"))
    alternative.attach(_text(tracked_html(config, out.workspace_id, out.message_id, out.html), "html"))
    if out.attachments:  # the alternatives become the first part of a multipart/mixed
        msg = MIMEMultipart("mixed")
        del alternative["MIME-Version"]
        msg.attach(alternative)
        for attachment in out.attachments:
            maintype, _, subtype = attachment["content_type"].partition("/")
            part = MIMEBase(maintype, subtype)
            del part["MIME-Version"]
            part.set_payload(attachment["content"].encode())
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
            msg.attach(part)
    msg["From"] = formataddr((out.from_name or "", out.from_email), charset="utf-8")
    msg["To"] = out.to
    msg["Subject"] = out.subject if out.subject.isascii() else cast(Any, Header(out.subject, "utf-8"))
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id_header(out.workspace_id, out.message_id, out.from_email)
    msg["Reply-To"] = formataddr((out.from_name or "", reply_address(config, out.workspace_id, out.message_id)),
                                 charset="utf-8")
    try:
        for name, value in list_unsubscribe_headers(unsubscribe).items():
            msg[name] = cast(Any, _Unfolded(value))  # compat32 takes any value with encode()
    except ValueError:
        pass  # a plain-http base (a local cloud on 127.0.0.1): RFC 8058 needs https, the footer link remains
    return msg.as_bytes()


class _Unfolded:
    """A header value written on the header's own line as it is: the generator would otherwise move a long URL
    with nowhere to fold onto a continuation line, which some parsers read with a leading space."""

    def __init__(self, value: str) -> None:
        self.value = value

    def encode(self, linesep: str = "\n", maxlinelen: int | None = None) -> str:  # what compat32 folds through
        return self.value

    def __str__(self) -> str:
        return self.value


def _text(content: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(content, _UTF8_QP)
    del part["MIME-Version"]  # said once, on the message
    return part
