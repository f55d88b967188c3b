"""The OAuth `state`: signed, expiring, bound to the workspace, the user and the provider; PKCE helpers."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from leadpilot.errors import DomainError

STATE_TTL_S = 10 * 60


class InvalidState(DomainError):
    """The state is forged, altered, expired, used already or someone else's: nothing is stored."""

    code = "invalid_state"

    def __init__(self, reason: str) -> None:
        super().__init__(f"state: {reason}; start connecting again", {"field": "state"})


@dataclass(frozen=True)
class State:
    workspace_id: str
    user_id: str
    provider: str
    nonce: str
    expires: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str) -> bytes:
    """Domain-separated from the JWT secret, so a state can never pass as any other signed value."""
    return hmac.new(secret.encode(), b"leadpilot/oauth-state/v1", hashlib.sha256).digest()


def sign_state(secret: str, state: State) -> str:
    payload = _b64(json.dumps({"w": state.workspace_id, "u": state.user_id, "p": state.provider,
                               "n": state.nonce, "e": state.expires}, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())}"


def verify_state(secret: str, token: str, now: int) -> State:
    """The state a token carries, if its signature holds and it has not expired."""
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidState("the signature does not match")
    try:
        fields = json.loads(_unb64(payload))
        state = State(str(fields["w"]), str(fields["u"]), str(fields["p"]), str(fields["n"]), int(fields["e"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidState("it is malformed") from exc
    if state.expires < now:
        raise InvalidState("it has expired")
    return state


def new_verifier() -> str:
    """A PKCE code verifier: 43+ characters of [A-Za-z0-9-._~] (RFC 7636)."""
    return secrets.token_urlsafe(48)


def challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier."""
    return _b64(hashlib.sha256(verifier.encode()).digest())
