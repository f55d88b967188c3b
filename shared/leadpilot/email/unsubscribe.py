"""Unsubscribing: RFC 8058 one-click POST (mail clients), and the landing page's confirm button."""
from __future__ import annotations

import html

from leadpilot.clock import now_iso
from leadpilot.email import mime, outcomes, suppression
from leadpilot.email.config import EmailConfig
from leadpilot.email.models import EmailMessageItem
from leadpilot.errors import NotFound
from leadpilot.settings import Settings


def _message(config: EmailConfig, token: str) -> EmailMessageItem:
    ids = mime.read_unsubscribe_token(config, token)
    item = outcomes.get_message(*ids) if ids else None
    if item is None:
        raise NotFound("not found", {"field": "token"})
    return item


def unsubscribe(settings: Settings, config: EmailConfig, token: str, method: str) -> str:
    """Suppress the message's address and record email.unsubscribed once; returns the address."""
    item = _message(config, token)
    mark(settings, item, "unsubscribed", method)
    return item.to


def mark(settings: Settings, item: EmailMessageItem, reason: str, method: str) -> bool:
    """Suppress the address (reason kept) and record email.unsubscribed on the message (once)."""
    suppression.suppress(item.workspace_id, item.to, reason, item.message_id)
    return outcomes.record(settings, item, "email.unsubscribed", {"method": method},
                           [EmailMessageItem.unsubscribed_at.set(now_iso())],
                           EmailMessageItem.unsubscribed_at.does_not_exist(), stat="unsubscribes")


def landing_page(config: EmailConfig, token: str) -> str:
    """GET: a page that confirms with a button (a GET never unsubscribes: link scanners fetch every URL).

    The form has no action: it posts to the page's own URL, the one-click route, however the API was reached."""
    item = _message(config, token)
    who = html.escape(item.to)
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribe</title></head><body>"
            f"<p>Stop emails to <b>{who}</b>?</p><form method=\"post\">"
            "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
            "<button type=\"submit\">Unsubscribe</button></form></body></html>")


def done_page(address: str) -> str:
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head><body>"
            f"<p>{html.escape(address)} is unsubscribed. You will get no more emails from us.</p></body></html>")
