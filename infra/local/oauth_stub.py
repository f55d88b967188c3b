"""A local OAuth 2.0 authorization server that plays Google and Microsoft for the local cloud and the tests.

Served by the gateway under /_local/oauth/<provider>/… (so `make dev` can connect a calendar with no account
anywhere) and on its own port by `serve()` in tests. It implements what the vault uses:
  GET  /<provider>/authorize   an auto-approving consent: straight back to redirect_uri with a code and the state
  POST /<provider>/token       authorization_code (PKCE S256 checked, redirect_uri and client checked, code used
                               once) and refresh_token grants; Microsoft's refresh tokens rotate, Google's do not
  POST /<provider>/revoke      forgets a token
  POST /control                {"refresh": "invalid_grant" | "ok", "expires_in": seconds}: what refreshes do next
  GET  /stats                  token endpoint calls by grant type
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

PREFIX = "/_local/oauth"
PROVIDERS = ("google", "microsoft")
# The local cloud's OAuth clients (template parameters set by infra/local/cloud.py): not secrets of anything real.
CLIENTS = {"google": ("local-google-client", "local-google-secret"),
           "microsoft": ("local-microsoft-client", "local-microsoft-secret")}
Served = tuple[int, list[tuple[str, str]], bytes]


@dataclass
class _Grant:
    provider: str
    client_id: str
    scope: str
    redirect_uri: str = ""
    challenge: str = ""


@dataclass
class OAuthStub:
    """The server's state: codes, refresh tokens and what the next refreshes do."""

    url: str = ""  # where it is served (set by serve())
    expires_in: int = 3600
    refresh_outcome: str = "ok"  # "invalid_grant" makes every refresh fail as a revoked grant does
    calls: Counter[str] = field(default_factory=Counter)
    codes: dict[str, _Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, _Grant] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, path: str, query: str, body: bytes) -> Served:
        """One request below the prefix: /<provider>/authorize, /token, /revoke, /control or /stats."""
        parts = [p for p in path.split("/") if p]
        if method == "POST" and parts == ["control"]:
            return self._control(json.loads(body or b"{}"))
        if method == "GET" and parts == ["stats"]:
            return _json(200, dict(self.calls))
        if len(parts) != 2 or parts[0] not in PROVIDERS:
            return _json(404, {"error": "not_found"})
        provider, action = parts
        params = dict(parse_qsl(query if method == "GET" else body.decode(), keep_blank_values=True))
        if method == "GET" and action == "authorize":
            return self._authorize(provider, params)
        if method == "POST" and action == "token":
            with self._lock:
                return self._token(provider, params)
        if method == "POST" and action == "revoke":
            with self._lock:
                self.refresh_tokens.pop(params.get("token", ""), None)
                self.access_tokens.discard(params.get("token", ""))
            return _json(200, {})
        return _json(405, {"error": "method_not_allowed"})

    def _control(self, settings: dict[str, Any]) -> Served:
        self.refresh_outcome = str(settings.get("refresh", self.refresh_outcome))
        self.expires_in = int(settings.get("expires_in", self.expires_in))
        return _json(200, {"refresh": self.refresh_outcome, "expires_in": self.expires_in})

    def _authorize(self, provider: str, params: dict[str, str]) -> Served:
        redirect = params.get("redirect_uri", "")
        if params.get("client_id") != CLIENTS[provider][0] or not redirect.startswith(("http://", "https://")):
            return 400, [("Content-Type", "text/plain")], b"unknown client_id or bad redirect_uri"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            back = {"error": "invalid_request", "error_description": "PKCE S256 is required"}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = _Grant(provider, params["client_id"], params.get("scope", ""), redirect,
                                      params["code_challenge"])
            back = {"code": code}
        location = f"{redirect}{'&' if '?' in redirect else '?'}{urlencode({**back, 'state': params.get('state', '')})}"
        return 302, [("Location", location), ("Content-Type", "text/plain")], b"approved"

    def _token(self, provider: str, params: dict[str, str]) -> Served:
        self.calls[params.get("grant_type", "?")] += 1
        if (params.get("client_id"), params.get("client_secret")) != CLIENTS[provider]:
            return _json(401, {"error": "invalid_client"})
        if params.get("grant_type") == "authorization_code":
            grant = self.codes.pop(params.get("code", ""), None)
            if grant is None or grant.provider != provider or grant.redirect_uri != params.get("redirect_uri"):
                return _json(400, {"error": "invalid_grant", "error_description": "unknown or used code"})
            if _s256(params.get("code_verifier", "")) != grant.challenge:
                return _json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            return self._issue(grant, new_refresh=True)
        if params.get("grant_type") == "refresh_token":
            grant = self.refresh_tokens.get(params.get("refresh_token", ""))
            if grant is None or grant.provider != provider or self.refresh_outcome == "invalid_grant":
                return _json(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
            if provider == "microsoft":  # Microsoft hands out a new refresh token with every refresh
                del self.refresh_tokens[params["refresh_token"]]
            return self._issue(grant, new_refresh=provider == "microsoft")
        return _json(400, {"error": "unsupported_grant_type"})

    def _issue(self, grant: _Grant, new_refresh: bool) -> Served:
        access = f"{grant.provider}-at-{secrets.token_urlsafe(16)}"
        self.access_tokens.add(access)
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in,
                                "scope": grant.scope}
        if new_refresh:
            refresh = f"{grant.provider}-rt-{secrets.token_urlsafe(16)}"
            self.refresh_tokens[refresh] = grant
            body["refresh_token"] = refresh
        return _json(200, body)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _json(status: int, body: Any) -> Served:
    return status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], json.dumps(body).encode()


_shared = OAuthStub()


def shared() -> OAuthStub:
    """The stub the gateway serves (the local cloud's fake calendars accept the tokens it issued)."""
    return _shared


def serve_mounted(method: str, target: str, body: bytes) -> Served | None:
    """The gateway's hook: the reply for a request under PREFIX, None for any other."""
    parts = urlsplit(target)
    if not parts.path.startswith(PREFIX + "/"):
        return None
    return _shared.handle(method, parts.path.removeprefix(PREFIX), parts.query, body)


@contextmanager
def serve() -> Iterator[OAuthStub]:
    """A fresh stub on its own port (tests); its `url` plays OAUTH_BASE_URL."""
    stub = OAuthStub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            status, headers, payload = stub.handle(self.command, parts.path, parts.query,
                                                   self.rfile.read(length) if length else b"")
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
