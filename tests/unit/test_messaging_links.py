"""Signed tracking links: click and open tokens, tampering, and rewriting an HTML body's links."""
from __future__ import annotations

import base64
import html
import re

import pytest

from leadpilot.email.links import (
    decode_click,
    open_pixel,
    rewrite_links,
    sign_click,
    sign_open,
    verify_click,
    verify_open,
)

KEY = b"k" * 32
MESSAGE = "01J9ZK3M8Q7W2X4Y6Z8A0B1C2D"
OFFER = "https://clinica-sol.es/ofertas?utm_source=email&año=2030#reserva"


def test_a_signed_click_verifies_to_its_url_and_message() -> None:
    token = sign_click(MESSAGE, OFFER, KEY)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)  # base64url, safe in a path
    assert verify_click(token, KEY) == OFFER
    assert decode_click(token, KEY) == (MESSAGE, OFFER)


def _swap_payload(token: str, url: str) -> str:
    payload = base64.urlsafe_b64encode(f'["c","{MESSAGE}","{url}"]'.encode()).rstrip(b"=").decode()
    return payload + "." + token.split(".")[1]


@pytest.mark.parametrize("forge", [
    lambda t: _swap_payload(t, "https://evil.example/phish"),   # another URL under the same MAC
    lambda t: t.split(".")[0],                                  # unsigned
    lambda t: t.split(".")[0] + ".",                            # empty MAC
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: t + "x",
    lambda t: "not-a-token",
    lambda t: "",
    lambda t: "ñ.ñ",
    lambda t: t.replace(".", ".."),
])
def test_tampered_or_unsigned_click_tokens_verify_to_none(forge: object) -> None:
    token = sign_click(MESSAGE, OFFER, KEY)
    assert verify_click(forge(token), KEY) is None  # type: ignore[operator]


def test_a_token_signed_with_another_key_or_as_an_open_is_not_a_click() -> None:
    assert verify_click(sign_click(MESSAGE, OFFER, b"x" * 32), KEY) is None
    assert verify_click(sign_open(MESSAGE, KEY), KEY) is None
    assert verify_open(sign_click(MESSAGE, OFFER, KEY), KEY) is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "mailto:a@b.test", "//evil.example",
                                 "/relative", "https://", "https://ok.test/a b", "https://ok.test/\r\nX: y"])
def test_only_absolute_http_urls_can_be_signed(url: str) -> None:
    with pytest.raises(ValueError):
        sign_click(MESSAGE, url, KEY)


def test_open_tokens_round_trip_and_the_pixel_points_at_one() -> None:
    assert verify_open(sign_open(MESSAGE, KEY), KEY) == MESSAGE
    pixel = open_pixel("https://t.leadpilot.test/", MESSAGE, KEY)
    token = re.search(r'/o/([^"]+)\.gif"', pixel).group(1)  # type: ignore[union-attr]
    assert verify_open(token, KEY) == MESSAGE and 'width="1"' in pixel


def test_every_http_link_is_rewritten_except_mailto_tel_anchors_and_unsubscribe() -> None:
    # Given a sanitized body with an offer link (escaped &), a mailto, a tel, an anchor and the unsubscribe link
    unsubscribe = "https://t.leadpilot.test/u/abc"
    body = (f'<p><a href="{html.escape(OFFER)}" rel="noopener noreferrer">Reserva</a> '
            '<a href="mailto:hola@clinica-sol.es">mail</a> <a href="tel:+34600123456">call</a> '
            f'<a href="#top">top</a> <a href="{unsubscribe}">unsubscribe</a> '
            '<a title="x" href="http://example.com/plain">plain</a></p>')
    out = rewrite_links(body, MESSAGE, KEY, "https://t.leadpilot.test")
    clicks = re.findall(r'href="https://t\.leadpilot\.test/c/([^"]+)"', out)
    # Then the two web links point at signed click URLs that resolve back to the original URLs
    assert [verify_click(html.unescape(t), KEY) for t in clicks] == [OFFER, "http://example.com/plain"]
    # And the others are untouched
    for kept in ('href="mailto:hola@clinica-sol.es"', 'href="tel:+34600123456"', 'href="#top"',
                 f'href="{unsubscribe}"', 'rel="noopener noreferrer"'):
        assert kept in out
    # And rewriting twice does not wrap a click link in another
    assert rewrite_links(out, MESSAGE, KEY, "https://t.leadpilot.test") == out


def test_an_explicit_unsubscribe_url_elsewhere_is_left_alone() -> None:
    body = '<a href="https://prefs.clinica-sol.es/unsub?id=1">unsubscribe</a>'
    assert rewrite_links(body, MESSAGE, KEY, "https://t.leadpilot.test",
                         unsubscribe_url="https://prefs.clinica-sol.es/unsub?id=1") == body
