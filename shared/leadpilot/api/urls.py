"""Absolute URLs of this API as the caller reached it (for links handed to other systems)."""
from __future__ import annotations

from chalice.app import Request

from leadpilot.api.request import base_url


def public_url(request: Request, path: str) -> str:
    """`path` on this API, with the scheme, host and stage or base path the request came in with."""
    return base_url(request) + path
