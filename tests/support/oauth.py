"""The OAuth server stub for tests: on its own port, with the vault pointed at it; a browser's connect."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from infra.local.oauth_stub import OAuthStub, serve
from leadpilot.integrations.config import vault_config


@contextmanager
def oauth_stub() -> Iterator[OAuthStub]:
    """A fresh stub playing Google and Microsoft; OAUTH_BASE_URL points at it until the block ends."""
    with serve() as stub:
        previous = os.environ.get("OAUTH_BASE_URL")
        os.environ["OAUTH_BASE_URL"] = stub.url
        vault_config.cache_clear()
        try:
            yield stub
        finally:
            if previous is None:
                os.environ.pop("OAUTH_BASE_URL", None)
            else:
                os.environ["OAUTH_BASE_URL"] = previous
            vault_config.cache_clear()


def consent(api: Any, token: str, provider: str = "google") -> dict[str, str]:
    """Start connecting and follow the authorization URL as a browser would: what the callback is sent."""
    start = api.post("/integrations/oauth/start", {"provider": provider}, token=token)
    assert start.status == 200, start
    url = start.body["authorization_url"]
    assert "code_challenge_method=S256" in url and "code_challenge=" in url
    back = requests.get(url, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return {k: v[0] for k, v in parse_qs(urlsplit(back.headers["Location"]).query).items()}


def connect(api: Any, token: str, provider: str = "google") -> dict[str, Any]:
    """A connected provider for the caller (the stub must be serving); the connection as the API shows it."""
    reply = api.post("/integrations/oauth/callback", consent(api, token, provider), token=token)
    assert reply.status == 200, reply
    return dict(reply.body)
