"""The token endpoint calls (RFC 6749): code exchange, refresh, revocation; the platform's URLs, not a tenant's."""
from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from leadpilot.integrations.providers import Provider

TIMEOUT_S = 10


class OAuthError(Exception):
    """The provider answered with an OAuth error (`invalid_grant`, ...) or could not be reached (`unreachable`)."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status

    @property
    def transient(self) -> bool:
        return self.error == "unreachable" or self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str


def _post(url: str, form: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
    try:
        # the platform's configured URL, never a tenant's: no SSRF guard needed
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as reply:
            text = reply.read().decode() or "{}"
            return dict(json.loads(text))
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read().decode() or "{}")
        except ValueError:
            body = {}
        raise OAuthError(str(body.get("error") or f"http_{exc.code}"), str(body.get("error_description") or ""),
                         exc.code) from exc
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise OAuthError("unreachable", str(exc), 503) from exc


def _tokens(body: dict[str, Any]) -> Tokens:
    if not body.get("access_token"):
        raise OAuthError("invalid_response", "the token endpoint returned no access_token", 502)
    return Tokens(str(body["access_token"]), body.get("refresh_token"), int(body.get("expires_in") or 3600),
                  str(body.get("scope") or ""))


def exchange_code(provider: Provider, code: str, verifier: str, redirect_uri: str) -> Tokens:
    return _tokens(_post(provider.token_url, {
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": redirect_uri,
        "client_id": provider.client.client_id, "client_secret": provider.client.client_secret}))


def refresh(provider: Provider, refresh_token: str) -> Tokens:
    return _tokens(_post(provider.token_url, {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": provider.client.client_id,
        "client_secret": provider.client.client_secret}))


def revoke(provider: Provider, token: str) -> None:
    """Best effort: a failed revocation still forgets the tokens (the user can revoke at the provider)."""
    if provider.revoke_url is None:
        return
    with contextlib.suppress(OAuthError):
        _post(provider.revoke_url, {"token": token, "client_id": provider.client.client_id})
