"""Email bodies: markdown with variables -> sanitized HTML and a plain-text alternative; List-Unsubscribe."""
from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from leadpilot.errors import ValidationFailed
from leadpilot.messages.templates import render

ALLOWED_TAGS = frozenset({
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
                      "td": {"align"}, "th": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_MARKDOWN_PUNCTUATION = set("\\`*_{}[]()#+-.!|~\"'=:")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "table", "ul", "ol"}


@dataclass(frozen=True)
class EmailContent:
    """A rendered email body: sanitized HTML and its plain-text alternative."""

    html: str
    text: str


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML in the markdown is shown as text, never passed through; nh3 still checks the output.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"])


def escape_value(value: str) -> str:
    """A variable's value made inert in markdown: HTML-escaped, markdown punctuation backslash-escaped."""
    out: list[str] = []
    for ch in value:
        if ch in "&<>":
            out.append(html.escape(ch, quote=False))
        elif ch in _MARKDOWN_PUNCTUATION:
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")  # a value cannot start a new markdown block
        else:
            out.append(ch)
    return "".join(out)


def sanitize_html(markup: str) -> str:
    """HTML reduced to the allow-list: no scripts, iframes, styles, event handlers or javascript: URLs."""
    return nh3.clean(markup, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer", strip_comments=True,
                     clean_content_tags={"script", "style"})


class _TextWriter(HTMLParser):
    """Sanitized HTML to readable text: blocks on their own lines, links as `text (url)`, images by alt."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hrefs: list[str | None] = []
        self._link_start: list[int] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._pre += tag == "pre"
        if tag in _BLOCKS or tag in ("br", "tr"):
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self._hrefs.append(attributes.get("href"))
            self._link_start.append(len(self.parts))
        elif tag == "img" and attributes.get("alt"):
            self.parts.append(str(attributes["alt"]))
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._hrefs:
            href, start = self._hrefs.pop(), self._link_start.pop()
            label = "".join(self.parts[start:]).strip()
            if href and href != label and not href.startswith("mailto:" + label):
                self.parts.append(f" ({href})")
        elif tag in _BLOCKS:
            self._pre -= tag == "pre" and self._pre > 0
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        # Outside <pre>, source line breaks are just spaces, as a browser shows them.
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        raw = "".join(self.parts)
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in raw.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def html_to_text(markup: str) -> str:
    """A plain-text alternative of sanitized HTML."""
    writer = _TextWriter()
    writer.feed(markup)
    writer.close()
    return writer.text()


def render_email(markdown_template: str, context: Mapping[str, Any], field: str = "body") -> EmailContent:
    """Variables filled in (values escaped), markdown rendered, HTML sanitized, plus a text alternative."""
    source = render(markdown_template, context, field, escape=escape_value)
    body = sanitize_html(_markdown().render(source))
    text = html_to_text(body)
    if not text.strip():
        raise ValidationFailed.field(field, "is empty once rendered")
    return EmailContent(body, text)


def list_unsubscribe_headers(one_click_url: str, mailto: str | None = None) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers; the URL must be https and neither may break the header line."""
    for value in (one_click_url, mailto or ""):
        if any(ch in value for ch in "\r\n<>,") or any(ord(ch) < 32 for ch in value):
            raise ValueError("unsubscribe targets may not contain line breaks, angle brackets or commas")
    parts = urlsplit(one_click_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("RFC 8058 requires an https unsubscribe URL")
    targets = [f"<{one_click_url}>"] + ([f"<mailto:{mailto.removeprefix('mailto:')}>"] if mailto else [])
    return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
