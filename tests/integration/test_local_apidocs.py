"""The local cloud serves the OpenAPI document at /openapi.json and a Swagger UI reference at /docs, offline."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from infra.local.host import FunctionHost
from infra.local.model import Deployment
from leadpilot.api.openapi import document


@pytest.fixture
def gateway() -> Iterator[str]:
    """A started gateway over a deployment with no functions; its URL."""
    host = FunctionHost(Deployment(stage="test", parameters={}, resources={}, functions=[]), "127.0.0.1", 0)
    host.start(pollers=False, scheduler=False)
    yield host.api_url
    host.stop()


def _get(url: str, method: str = "GET") -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_document_is_served_at_openapi_json(gateway: str) -> None:
    # When a client fetches /openapi.json
    status, media, body = _get(f"{gateway}/openapi.json")
    # Then it gets the document the layer ships
    assert status == 200 and media == "application/json"
    assert json.loads(body) == document()


def test_docs_is_a_swagger_ui_page_that_needs_no_network(gateway: str) -> None:
    # When a browser opens /docs
    status, media, page = _get(f"{gateway}/docs")
    # Then the page loads Swagger UI from the gateway itself and points it at /openapi.json
    assert status == 200 and media.startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.decode())
    assert sources and all(s.startswith("/docs/") for s in sources)
    assert 'url: "/openapi.json"' in page.decode()
    # And every file it names is served
    for source in sources:
        status, media, body = _get(f"{gateway}{source}")
        assert status == 200 and body, source
    assert b"SwaggerUIBundle" in _get(f"{gateway}/docs/swagger-ui-bundle.js")[2]


def test_nothing_else_is_served_from_the_bundle_or_by_another_method(gateway: str) -> None:
    # When a path outside the bundle's files, or another method, is tried / Then it is the usual 404 error
    for method, path in (("GET", "/docs/..%2F..%2Fsetup.py"), ("GET", "/docs/missing.js"), ("POST", "/openapi.json")):
        status, _, body = _get(f"{gateway}{path}", method)
        assert status == 404, path
        assert json.loads(body)["error"]["code"] == "not_found"
