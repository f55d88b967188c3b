"""A stand-in for Amazon SNS's signing key: a self-signed RSA certificate served (to the code under test)
from an SNS-looking URL, and envelopes signed with it exactly as SNS signs them."""
from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from leadpilot.email.sns_signature import string_to_sign

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"


class SnsSigner:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @cached_property
    def pem(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=30)).sign(self.key, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.PEM)

    def fetch(self, url: str) -> bytes:
        """What `sns_signature.fetch_certificate` would download: this signer's certificate at CERT_URL."""
        if url != CERT_URL:
            raise OSError(f"no certificate at {url}")
        return self.pem

    def sign(self, envelope: dict[str, Any], version: str = "1") -> dict[str, Any]:
        signed = {**envelope, "SignatureVersion": version, "SigningCertURL": CERT_URL}
        digest = hashes.SHA1() if version == "1" else hashes.SHA256()  # SignatureVersion 1 is SHA1withRSA
        signature = self.key.sign(string_to_sign(signed), padding.PKCS1v15(), digest)
        return {**signed, "Signature": base64.b64encode(signature).decode()}
