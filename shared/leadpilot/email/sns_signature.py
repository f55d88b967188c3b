"""Amazon SNS message signatures: a notification is from SNS only if its `Signature` verifies with the
certificate at its `SigningCertURL`, and that URL is an SNS host of AWS.

AWS documents the check ("Verifying the signatures of Amazon SNS messages"): the string to sign is the
message's fields in a fixed order as `name\\nvalue\\n`, SignatureVersion 1 is SHA1withRSA and 2 is
SHA256withRSA. Certificates are fetched over HTTPS once per warm process (a handful of URLs exist).
The local cloud has no SNS that signs anything, so it runs with the check off (template parameter
`SnsSignatureCheck`); everywhere else it is on.
"""
from __future__ import annotations

import base64
import binascii
import re
import urllib.request
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from leadpilot.errors import Forbidden

_CERT_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
_MAX_CERT_BYTES = 64 * 1024


def is_sns_url(url: str) -> bool:
    """An https URL on an SNS host of AWS (where signing certificates and subscribe links live)."""
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.port in (None, 443) and bool(_CERT_HOST.match(parts.hostname or ""))


def string_to_sign(envelope: Mapping[str, Any]) -> bytes:
    """The canonical text SNS signed for this message (fields absent from the message are left out)."""
    fields = _SIGNED_FIELDS.get(str(envelope.get("Type")))
    if fields is None:
        raise Forbidden("not an SNS message type that can be verified", {"field": "Type"})
    return "".join(f"{name}\n{envelope[name]}\n" for name in fields if envelope.get(name) is not None).encode()


@lru_cache(maxsize=16)
def fetch_certificate(url: str) -> bytes:
    """The PEM at an SNS signing-certificate URL (checked by the caller), cached for the process's life."""
    with urllib.request.urlopen(url, timeout=5) as response:  # an https SNS URL: the caller checked it
        return bytes(response.read(_MAX_CERT_BYTES))


def verify(envelope: Mapping[str, Any], fetch: Callable[[str], bytes] | None = None) -> None:
    """Raise Forbidden (naming the field) unless the message carries a valid SNS signature."""
    version = str(envelope.get("SignatureVersion") or "")
    if version not in _HASHES:
        raise Forbidden("unsupported or missing SNS SignatureVersion", {"field": "SignatureVersion"})
    cert_url = str(envelope.get("SigningCertURL") or "")
    if not is_sns_url(cert_url) or not urlsplit(cert_url).path.endswith(".pem"):
        raise Forbidden("SigningCertURL is not an Amazon SNS certificate", {"field": "SigningCertURL"})
    try:
        signature = base64.b64decode(str(envelope.get("Signature") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Forbidden("Signature is not base64", {"field": "Signature"}) from exc
    data = string_to_sign(envelope)
    try:
        pem = (fetch or fetch_certificate)(cert_url)
        key = x509.load_pem_x509_certificate(pem).public_key()
    except Exception as exc:  # unreachable, or not a certificate: nothing can be verified
        raise Forbidden("the SNS signing certificate could not be loaded", {"field": "SigningCertURL"}) from exc
    if not isinstance(key, rsa.RSAPublicKey) or not signature:
        raise Forbidden("the SNS signature does not verify", {"field": "Signature"})
    try:
        key.verify(signature, data, padding.PKCS1v15(), _HASHES[version]())
    except InvalidSignature as exc:
        raise Forbidden("the SNS signature does not verify", {"field": "Signature"}) from exc
