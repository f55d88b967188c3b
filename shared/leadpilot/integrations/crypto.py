"""Secrets encrypted at rest behind one small interface: KMS on AWS, AES-GCM with a local key on the local cloud.

Every ciphertext is bound to a context (the workspace and what the secret is), as KMS encryption context or
AES-GCM associated data: a sealed value copied to another workspace's item does not open.
"""
from __future__ import annotations

import base64
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from leadpilot.errors import ConfigurationError


class Cipher(Protocol):
    def seal(self, plaintext: str, context: str) -> str:
        """The plaintext encrypted and bound to `context`, as text safe to store."""
        ...

    def open(self, sealed: str, context: str) -> str:
        """The plaintext of `seal(plaintext, context)`; raises if the context or the value differs."""
        ...


class LocalCipher:
    """AES-256-GCM with a key kept in a file (created on first use, readable by its owner only)."""

    def __init__(self, key_file: Path) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(_key(key_file))

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        raw = base64.urlsafe_b64decode(sealed.removeprefix("v1:"))
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


def _key(path: Path) -> bytes:
    if not path.exists():  # written aside, then linked: a racing process finds either nothing or a whole key
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, base64.b64encode(os.urandom(32)))
        finally:
            os.close(fd)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = base64.b64decode(path.read_bytes().strip())
    if len(key) != 32:
        raise ConfigurationError(f"the vault key in {path} is not 32 bytes")
    return key


class KmsCipher:
    """KMS Encrypt/Decrypt with an encryption context (OAuth tokens and API keys are far below the 4 KiB limit)."""

    def __init__(self, key_id: str, region: str) -> None:
        import boto3

        self._key_id = key_id
        self._kms: Any = boto3.client("kms", region_name=region)

    def seal(self, plaintext: str, context: str) -> str:
        reply = self._kms.encrypt(KeyId=self._key_id, Plaintext=plaintext.encode(),
                                  EncryptionContext={"leadpilot": context})
        return "kms:" + base64.b64encode(reply["CiphertextBlob"]).decode()

    def open(self, sealed: str, context: str) -> str:
        blob = base64.b64decode(sealed.removeprefix("kms:"))
        reply = self._kms.decrypt(CiphertextBlob=blob, EncryptionContext={"leadpilot": context})
        return bytes(reply["Plaintext"]).decode()


@lru_cache(maxsize=4)
def cipher_for(vault_key: str, region: str) -> Cipher:
    """The cipher a VAULT_KEY spec names."""
    if vault_key.startswith("local:"):
        return LocalCipher(Path(vault_key.removeprefix("local:")))
    if vault_key.startswith("kms:"):
        return KmsCipher(vault_key.removeprefix("kms:"), region)
    raise ConfigurationError("VAULT_KEY is not configured for this function")
