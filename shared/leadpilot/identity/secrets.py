"""Passwords (argon2id) and opaque secrets (refresh tokens, API keys, invites).

Opaque secrets have the shape `<prefix>_<id>_<random>`: the id finds the record with one
GetItem, and only a SHA-256 of the random part is stored. These secrets carry 256 bits of
entropy, so a fast hash is safe for them; passwords are low-entropy and get argon2id.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets
from functools import lru_cache
from typing import Any

from leadpilot.ids import is_valid_id
from leadpilot.settings import password_hashing


@lru_cache(maxsize=2)
def _hasher(profile: str) -> Any:
    # Imported on first use: only sign-up, login and invites hash passwords.
    from argon2 import PasswordHasher, profiles

    return PasswordHasher.from_parameters(profiles.CHEAPEST) if profile == "cheapest" else PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of a password (its parameters are in the hash, so verifying needs no profile)."""
    return _hasher(password_hashing()).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; never raises for a wrong password."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher(password_hashing()).verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def dummy_password_hash() -> str:
    """A hash to verify against when the user does not exist, so timing does not tell."""
    return hash_password(_secrets.token_urlsafe(16))


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_opaque(prefix: str, record_id: str) -> tuple[str, str]:
    """A new opaque secret for a record: (the full token shown once, the hash to store)."""
    secret = _secrets.token_urlsafe(32)
    return f"{prefix}_{record_id}_{secret}", sha256(secret)


def split_opaque(prefix: str, token: str) -> tuple[str, str] | None:
    """(record id, hash of the secret) from a token of this prefix, or None if malformed."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != prefix or not is_valid_id(parts[1]) or len(parts[2]) < 20:
        return None
    return parts[1], sha256(parts[2])


def same_hash(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two stored hashes."""
    return a is not None and b is not None and hmac.compare_digest(a, b)
