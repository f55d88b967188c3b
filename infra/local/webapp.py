"""The dashboard on the local cloud: the built single-page app (dashboard/dist) under /app/, same origin as the API.

`/` and `/app` redirect to `/app/`; a file of the build is served with its media type (hashed assets cached for
a year, index.html never); any other /app/ path is a screen of the app, answered with index.html so a reload or
a shared link works. Text files are gzipped for clients that accept it, once per file. Without a build the
answer is a 503 that says how to make one.
"""
from __future__ import annotations

import gzip
import mimetypes
import os
import threading
from collections.abc import Sequence
from pathlib import Path

PREFIX = "/app/"
Served = tuple[int, list[tuple[str, str]], bytes]
_COMPRESSIBLE = (".js", ".css", ".html", ".svg", ".json", ".map", ".txt")
_NOT_BUILT = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LeadPilot</title></head>
<body><h1>The dashboard is not built</h1><p>Run <code>make dashboard</code> (or <code>make dev</code>), then reload.</p>
</body></html>"""


def dist_dir() -> Path:
    """Where the build is: LEADPILOT_DASHBOARD_DIST, else dashboard/dist of this checkout."""
    configured = os.environ.get("LEADPILOT_DASHBOARD_DIST")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "dashboard" / "dist"


class WebApp:
    """Serves one build folder; the gzipped copies are kept in memory (the build is a few hundred KB)."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = (root or dist_dir()).resolve()
        self._gzipped: dict[Path, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def serve(self, method: str, path: str, headers: Sequence[tuple[str, str]]) -> Served | None:
        """The reply for / and /app/…; None for every other path (the API's)."""
        if path in ("/", "/app"):
            return 302, [("Location", PREFIX), ("Cache-Control", "no-cache")], b""
        if not path.startswith(PREFIX):
            return None
        if method not in ("GET", "HEAD"):
            return 405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")], b"The dashboard's files are read-only"
        index = self._root / "index.html"
        if not index.is_file():
            return 503, [("Content-Type", "text/html; charset=utf-8"), ("Retry-After", "5")], _NOT_BUILT
        file = self._file(path.removeprefix(PREFIX))
        if file is None:
            if Path(path).suffix and not path.endswith(".html"):
                return 404, [("Content-Type", "text/plain")], b"Not found"
            file = index  # a screen of the app: the router in index.html draws it
        return self._reply(file, headers)

    def _file(self, relative: str) -> Path | None:
        if not relative:
            return None
        candidate = (self._root / relative).resolve()
        if not candidate.is_relative_to(self._root) or not candidate.is_file():
            return None
        return candidate

    def _reply(self, file: Path, headers: Sequence[tuple[str, str]]) -> Served:
        media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/javascript", "image/svg+xml", "application/json"):
            media += "; charset=utf-8"
        immutable = file.parent.name == "assets"  # Vite names these by content hash
        out = [("Content-Type", media), ("X-Content-Type-Options", "nosniff"),
               ("Cache-Control", "public, max-age=31536000, immutable" if immutable else "no-cache")]
        accepts_gzip = any(k.lower() == "accept-encoding" and "gzip" in v for k, v in headers)
        if accepts_gzip and file.suffix in _COMPRESSIBLE:
            out += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
            return 200, out, self._gzip(file)
        return 200, out, file.read_bytes()

    def _gzip(self, file: Path) -> bytes:
        mtime = file.stat().st_mtime
        with self._lock:
            cached = self._gzipped.get(file)
            if cached and cached[0] == mtime:
                return cached[1]
        body = gzip.compress(file.read_bytes(), compresslevel=6, mtime=0)
        with self._lock:
            self._gzipped[file] = (mtime, body)
        return body
