"""The email provider: an interface and its SES implementation (boto3 `ses`: raw MIME, identities).

In the local cloud and in tests SES is moto's, which records every raw message it accepts; `captured` reads
them back for the dev route (moto's /moto-api/data.json on a server, its backend in-process).
"""
from __future__ import annotations

import json
import os
import urllib.request
from functools import lru_cache
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from leadpilot.errors import ValidationFailed


class ProviderRejected(Exception):
    """The provider refused this message for good (e.g. unverified sender): retrying will not help."""


class EmailProvider(Protocol):
    """What the send path needs of an email provider."""

    def send_raw(self, source: str, destination: str, raw: bytes) -> str:
        """Send one MIME message; returns the provider's message id."""

    def verify_identity(self, identity: str, identity_type: str) -> None:
        """Start verification of an address or a domain."""

    def is_verified(self, identity: str) -> bool:
        """True once the identity may send."""

    def delete_identity(self, identity: str) -> None:
        """Forget an address or a domain (nothing more is sent from it)."""


class SesProvider:
    """Amazon SES (classic API): send_raw_email with our own headers, identity verification."""

    def __init__(self, region: str) -> None:
        self.client: Any = boto3.client("ses", region_name=region)

    def send_raw(self, source: str, destination: str, raw: bytes) -> str:
        try:
            reply = self.client.send_raw_email(Source=source, Destinations=[destination], RawMessage={"Data": raw})
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException"):
                raise ProviderRejected(f"{code}: {exc.response.get('Error', {}).get('Message', '')}") from exc
            raise
        return str(reply["MessageId"])

    def verify_identity(self, identity: str, identity_type: str) -> None:
        try:
            if identity_type == "domain":
                self.client.verify_domain_identity(Domain=identity)
            else:
                self.client.verify_email_identity(EmailAddress=identity)
        except ClientError as exc:
            raise ValidationFailed.field("email", f"SES refused the identity: {exc}") from exc

    def is_verified(self, identity: str) -> bool:
        attrs = self.client.get_identity_verification_attributes(Identities=[identity])
        status = attrs.get("VerificationAttributes", {}).get(identity, {}).get("VerificationStatus")
        return status == "Success"

    def delete_identity(self, identity: str) -> None:
        self.client.delete_identity(Identity=identity)  # SES answers success for an unknown identity too


@lru_cache(maxsize=4)
def provider(region: str) -> EmailProvider:
    """The process-wide provider (one boto3 client)."""
    return SesProvider(region)


def captured() -> list[dict[str, Any]]:
    """Raw messages the local SES (moto) accepted: [{id, source, destinations, raw_data}] oldest first."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if endpoint:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as reply:
                data = json.loads(reply.read())
        except (OSError, ValueError, BotoCoreError):
            return []
        return list(data.get("ses", {}).get("RawMessage", []))
    try:
        from moto.core.model_instances import model_data  # in-process moto (tests): its own registry
    except ImportError:  # a real deployment: nothing is captured
        return []

    model = model_data.get("ses", {}).get("RawMessage")
    return [{"id": m.id, "source": m.source, "destinations": list(m.destinations), "raw_data": m.raw_data}
            for m in (getattr(model, "instances_tracked", []) if model else [])]
