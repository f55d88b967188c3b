"""Email bodies: markdown to sanitized HTML and text, escaped variables, RFC 8058 headers."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from leadpilot.email.content import list_unsubscribe_headers, render_email, sanitize_html
from leadpilot.errors import ValidationFailed

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "#")


class _Elements(HTMLParser):
    """Every element and attribute of an HTML fragment, to check what a browser would actually run."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _assert_inert(markup: str) -> None:
    for tag, attrs in _Elements(markup).elements:
        assert tag not in ("script", "iframe", "style", "object", "embed", "form"), tag
        assert not [name for name in attrs if name.startswith("on") or name == "style"], attrs
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                assert str(attrs[name]).lower().startswith(SAFE_SCHEMES), attrs


CONTEXT = {"contact": {"first_name": "Zoë"}, "business_name": "Clínica Sol", "vars": {"slot": "10:30"}}


def test_markdown_becomes_html_and_a_readable_text_alternative() -> None:
    # Given a markdown body with a heading, emphasis, a link, a list and variables
    content = render_email("# Hola {{first_name|amigo}}\n\nTu cita es a las **{{vars.slot}}**. "
                           "[Reservar](https://clinica-sol.es/r?a=1&b=2)\n\n- Trae tu DNI\n- Llega 5 min antes",
                           CONTEXT)
    # Then the HTML carries the structure, links get rel=noopener
    assert "<h1>Hola Zoë</h1>" in content.html
    assert "<strong>10:30</strong>" in content.html
    assert '<a href="https://clinica-sol.es/r?a=1&amp;b=2" rel="noopener noreferrer">Reservar</a>' in content.html
    # And the text alternative reads naturally, links spelled out
    assert content.text == ("Hola Zoë\n\nTu cita es a las 10:30. Reservar (https://clinica-sol.es/r?a=1&b=2)\n\n"
                            "- Trae tu DNI\n- Llega 5 min antes\n")


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                   "[win](javascript:alert(1))", "**bold** _x_", "# heading\n\n<iframe>"])
def test_variable_values_are_inert(value: str) -> None:
    # Given a contact whose name is markup; When rendered; Then it shows as text and runs nothing
    content = render_email("Hi {{first_name}}!", {"contact": {"first_name": value}})
    assert [tag for tag, _ in _Elements(content.html).elements] == ["p"]
    assert value.split("\n")[0] in content.text


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>", "<iframe src='https://evil.test'></iframe>", "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "![x](javascript:alert(1))", "<a href='#' onclick='x()'>a</a>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "<style>body{}</style>",
])
def test_the_template_itself_cannot_inject_active_content(markdown: str) -> None:
    # Given raw HTML or dangerous link schemes in the markdown; Then the output carries no active element
    _assert_inert(render_email(markdown, {}).html)


def test_the_sanitizer_strips_active_html_directly() -> None:
    # Given HTML that did not come from our markdown (e.g. pasted); Then only the allow-list survives
    dirty = ('<p onclick="x()">hi<script>alert(1)</script><iframe src="https://e.test"></iframe>'
             '<a href="javascript:alert(1)">a</a><img src="https://x.test/i.png" onerror="x()"></p>')
    assert sanitize_html(dirty) == ('<p>hi<a rel="noopener noreferrer">a</a>'
                                    '<img src="https://x.test/i.png"></p>')


def test_an_empty_or_unknown_variable_body_is_a_422() -> None:
    for template in ("", "{{first_name}}", "{{frist_name}}"):
        with pytest.raises(ValidationFailed) as exc:
            render_email(template, {"contact": {}})
        assert exc.value.details["errors"][0]["field"] == "body"


def test_rfc8058_one_click_headers() -> None:
    headers = list_unsubscribe_headers("https://t.leadpilot.test/u/tok123", "unsub+tok123@mail.leadpilot.test")
    assert headers == {
        "List-Unsubscribe": "<https://t.leadpilot.test/u/tok123>, <mailto:unsub+tok123@mail.leadpilot.test>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert list_unsubscribe_headers("https://t.leadpilot.test/u/x")["List-Unsubscribe"] == \
        "<https://t.leadpilot.test/u/x>"


@pytest.mark.parametrize(("url", "mailto"), [("http://t.test/u/x", None), ("https://t.test/u/x\r\nBcc: a@b", None),
                                             ("https://t.test/u/x>", None), ("https://t.test/u", "a@b\nX: y"),
                                             ("mailto:a@b.test", None)])
def test_unsafe_unsubscribe_targets_are_refused(url: str, mailto: str | None) -> None:
    with pytest.raises(ValueError):
        list_unsubscribe_headers(url, mailto)
