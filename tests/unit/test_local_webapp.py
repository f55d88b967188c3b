"""The local cloud serves the built dashboard under /app/, beside the API, on the same origin."""
from __future__ import annotations

import gzip
from pathlib import Path

from infra.local.webapp import WebApp


def _build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "index-abc123.js").write_text("console.log('app')" * 50)
    (root / "favicon.svg").write_text("<svg/>")
    (root.parent / "secret.txt").write_text("not part of the build")
    return root


def test_the_root_goes_to_the_app(tmp_path: Path) -> None:
    app = WebApp(_build(tmp_path / "dist"))
    for path in ("/", "/app"):
        status, headers, _ = app.serve("GET", path, []) or (0, [], b"")
        assert status == 302 and ("Location", "/app/") in headers


def test_a_screen_path_is_answered_with_the_app_and_files_with_themselves(tmp_path: Path) -> None:
    app = WebApp(_build(tmp_path / "dist"))
    # When a browser reloads a screen of the app, it gets index.html (the router draws the screen)
    status, headers, body = app.serve("GET", "/app/contacts/01HX", []) or (0, [], b"")
    assert status == 200 and body.startswith(b"<!doctype html>") and ("Cache-Control", "no-cache") in headers
    # And a hashed asset is cached for a year, gzipped for a client that accepts it
    status, headers, body = app.serve("GET", "/app/assets/index-abc123.js", [("Accept-Encoding", "gzip, br")]) \
        or (0, [], b"")
    assert status == 200 and ("Content-Encoding", "gzip") in headers
    assert ("Cache-Control", "public, max-age=31536000, immutable") in headers
    assert gzip.decompress(body).startswith(b"console.log")
    # And a missing asset is a 404, not the app
    assert (app.serve("GET", "/app/assets/gone-000.js", []) or (0,))[0] == 404


def test_nothing_outside_the_build_is_served_and_api_paths_are_left_alone(tmp_path: Path) -> None:
    app = WebApp(_build(tmp_path / "dist"))
    _, _, body = app.serve("GET", "/app/../secret.txt", []) or (0, [], b"")
    assert b"not part of the build" not in body
    assert app.serve("GET", "/contacts", []) is None
    assert (app.serve("POST", "/app/index.html", []) or (0,))[0] == 405


def test_without_a_build_the_answer_says_how_to_make_one(tmp_path: Path) -> None:
    status, _, body = WebApp(tmp_path / "missing").serve("GET", "/app/", []) or (0, [], b"")
    assert status == 503 and b"make dashboard" in body
