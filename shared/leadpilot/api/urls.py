"""Absolute URLs of this API as the caller reached it (for links handed to other systems)."""
from __future__ import annotations

from chalice.app import Request


def public_url(request: Request, path: str) -> str:
    """`path` on this API, with the scheme, host and stage prefix the request came in with."""
    host = request.headers.get("host")
    if not host:
        return path
    proto = request.headers.get("x-forwarded-proto", "https")
    seen = str((request.context or {}).get("path") or request.path)
    prefix = seen[: len(seen) - len(request.path)] if seen.endswith(request.path) else ""
    return f"{proto}://{host}{prefix}{path}"
