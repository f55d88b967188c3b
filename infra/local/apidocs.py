"""GET /openapi.json and GET /docs on the local cloud: the shipped document and Swagger UI, offline.

The document is the one the layer ships (leadpilot.api.openapi.document()); the reference page is
the Swagger UI bundle of the PyPI package swagger-ui-bundle-v2 (a dev requirement), served from
/docs/<file>, so the page needs no network.
"""
from __future__ import annotations

import json
import mimetypes
from functools import cache
from pathlib import Path

from leadpilot.api.openapi import document

DOCUMENT_PATH = "/openapi.json"
DOCS_PATH = "/docs"
Served = tuple[int, list[tuple[str, str]], bytes]

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>LeadPilot API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
  </script>
</body>
</html>
"""


def serve(method: str, path: str) -> Served | None:
    """The reply for the document, the page or one of its files; None for any other request."""
    if method not in ("GET", "HEAD"):
        return None
    if path == DOCUMENT_PATH:
        return 200, [("Content-Type", "application/json")], _document()
    if path in (DOCS_PATH, DOCS_PATH + "/"):
        return 200, [("Content-Type", "text/html; charset=utf-8")], _PAGE.encode()
    if path.startswith(DOCS_PATH + "/"):
        return _asset(path.removeprefix(DOCS_PATH + "/"))
    return None


@cache
def _document() -> bytes:
    return json.dumps(document()).encode()


def _bundle() -> Path | None:
    try:
        from swagger_ui_bundle import swagger_ui_path  # dev requirement: absent from the Lambda layer
    except ImportError:
        return None
    return Path(str(swagger_ui_path))


def _asset(name: str) -> Served | None:
    bundle = _bundle()
    if bundle is None:
        message = "Swagger UI is not installed: pip install -r requirements-dev.txt"
        body = json.dumps({"error": {"code": "not_found", "message": message, "details": {"field": "path"}}})
        return 404, [("Content-Type", "application/json")], body.encode()
    files = {p.name: p for p in bundle.iterdir() if p.is_file()}  # only the bundle's own files, never a path
    if name not in files:
        return None
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return 200, [("Content-Type", media), ("Cache-Control", "max-age=3600")], files[name].read_bytes()
