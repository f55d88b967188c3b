"""Short-lived JWT access tokens (HS256)."""
from __future__ import annotations

from typing import Any

from leadpilot.clock import now_epoch
from leadpilot.errors import Unauthorized
from leadpilot.settings import Settings

ISSUER = "leadpilot"
AUDIENCE = "leadpilot-api"


def issue_access_token(settings: Settings, *, user_id: str, workspace_id: str, session_id: str,
                       actor_id: str | None = None, expires_at: int | None = None,
                       issued_at: int | None = None) -> str:
    """Sign an access token for one user in one workspace, tied to a revocable session. An impersonation's token
    also names the platform admin acting as the user (`act`, RFC 8693) and ends with the session."""
    import jwt  # lazy: pyjwt loads cryptography (~30 ms of cold start), paid by the first token only

    now = issued_at or now_epoch()
    claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": user_id, "ws": workspace_id, "sid": session_id,
                              "iat": now, "exp": expires_at or now + settings.access_token_ttl_s, "typ": "access"}
    if actor_id is not None:
        claims["act"] = {"sub": actor_id}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def decode_access_token(settings: Settings, token: str) -> dict[str, Any]:
    """Verify signature, expiry, issuer and audience; any failure is a 401."""
    import jwt  # lazy: see issue_access_token

    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"], audience=AUDIENCE,
                            issuer=ISSUER, options={"require": ["exp", "iat", "sub", "sid"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("access token has expired", {"reason": "expired"}) from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("access token is invalid", {"reason": "invalid"}) from exc
    if claims.get("typ") != "access" or not isinstance(claims.get("ws"), str):
        raise Unauthorized("access token is invalid", {"reason": "invalid"})
    return claims
