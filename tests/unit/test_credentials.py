"""Access tokens, opaque secrets and password hashing."""
from __future__ import annotations

import time

import jwt
import pytest

from leadpilot.errors import ConfigurationError, Unauthorized
from leadpilot.identity.access_tokens import decode_access_token, issue_access_token
from leadpilot.identity.secrets import hash_password, new_opaque, same_hash, split_opaque, verify_password
from leadpilot.ids import new_id
from leadpilot.settings import load_settings, password_hashing, password_profile

ENV = {"LEADPILOT_JWT_SECRET": "s" * 40, "IDENTITY_TABLE": "i", "CRM_TABLE": "c", "EVENT_BUS_NAME": "b"}
SETTINGS = load_settings(ENV)


def test_access_token_round_trip() -> None:
    token = issue_access_token(SETTINGS, user_id="U", workspace_id="W", session_id="S")
    claims = decode_access_token(SETTINGS, token)
    assert (claims["sub"], claims["ws"], claims["sid"]) == ("U", "W", "S")


def test_expired_forged_and_wrong_type_tokens_are_401() -> None:
    now = int(time.time())
    base = {"iss": "leadpilot", "aud": "leadpilot-api", "sub": "U", "ws": "W", "sid": "S", "typ": "access"}
    expired = jwt.encode({**base, "iat": now - 100, "exp": now - 10}, SETTINGS.jwt_secret, algorithm="HS256")
    forged = jwt.encode({**base, "iat": now, "exp": now + 60}, "x" * 40, algorithm="HS256")
    refresh_typed = jwt.encode({**base, "typ": "refresh", "iat": now, "exp": now + 60}, SETTINGS.jwt_secret,
                               algorithm="HS256")
    for token, reason in ((expired, "expired"), (forged, "invalid"), (refresh_typed, "invalid")):
        with pytest.raises(Unauthorized) as err:
            decode_access_token(SETTINGS, token)
        assert err.value.details["reason"] == reason


def test_opaque_secrets_store_only_a_hash() -> None:
    record = new_id()
    token, stored = new_opaque("lpk", record)
    parsed = split_opaque("lpk", token)
    assert parsed is not None and parsed[0] == record and same_hash(parsed[1], stored)
    assert token.split("_", 2)[2] not in stored
    assert split_opaque("lpr", token) is None
    assert split_opaque("lpk", "lpk_notanid_" + "x" * 40) is None


def test_passwords_are_argon2id_with_the_recommended_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a process with no hashing profile set (as every deployment)
    monkeypatch.delenv("LEADPILOT_PASSWORD_HASHING", raising=False)
    password_hashing.cache_clear()
    # When a password is hashed
    hashed = hash_password("correct-horse-battery")
    password_hashing.cache_clear()
    # Then it is argon2id with argon2-cffi's recommended cost (RFC 9106 low-memory: 64 MiB, 3 passes, 4 lanes)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(hashed, "correct-horse-battery")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not-a-hash", "anything")


def test_the_cheap_test_profile_is_refused_outside_the_test_stage() -> None:
    assert password_profile({}) == "argon2id"
    assert password_profile({"LEADPILOT_PASSWORD_HASHING": "cheapest", "LEADPILOT_STAGE": "test"}) == "cheapest"
    for stage in ("dev", "prod", ""):
        with pytest.raises(ConfigurationError, match="only allowed on stage test"):
            password_profile({"LEADPILOT_PASSWORD_HASHING": "cheapest", "LEADPILOT_STAGE": stage})
    with pytest.raises(ConfigurationError, match="argon2id or cheapest"):
        password_profile({"LEADPILOT_PASSWORD_HASHING": "md5"})


def test_settings_fail_loudly() -> None:
    with pytest.raises(ConfigurationError, match="CRM_TABLE"):
        load_settings({**ENV, "CRM_TABLE": ""})
    with pytest.raises(ConfigurationError, match="32"):
        load_settings({**ENV, "LEADPILOT_JWT_SECRET": "short"})
