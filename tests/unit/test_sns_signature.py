"""SNS signatures: verified as AWS documents (both signature versions); anything forged, altered or
pointing at a certificate outside SNS is refused naming the field."""
from __future__ import annotations

from typing import Any

import pytest

from leadpilot.email.sns_signature import is_sns_url, verify
from leadpilot.errors import Forbidden
from tests.support.sns import CERT_URL, SnsSigner

SIGNER = SnsSigner()
NOTIFICATION = {"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:leadpilot-prod-ses-feedback",
                "Message": '{"notificationType": "Bounce"}', "Timestamp": "2026-11-22T03:40:00.000Z"}
CONFIRMATION = {"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
                "Token": "2336412f37", "TopicArn": NOTIFICATION["TopicArn"],
                "Message": "You have chosen to subscribe to the topic", "Timestamp": "2026-11-22T03:40:00.000Z",
                "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f37"}


def _refused(envelope: dict[str, Any]) -> str:
    with pytest.raises(Forbidden) as caught:
        verify(envelope, SIGNER.fetch)
    return str(caught.value.details["field"])


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("envelope", [NOTIFICATION, {**NOTIFICATION, "Subject": "Bounce"}, CONFIRMATION])
def test_a_message_signed_by_sns_verifies(envelope: dict[str, Any], version: str) -> None:
    verify(SIGNER.sign(envelope, version), SIGNER.fetch)  # no error


def test_an_altered_message_or_another_key_is_refused() -> None:
    signed = SIGNER.sign(NOTIFICATION)
    assert _refused({**signed, "Message": '{"notificationType": "Complaint"}'}) == "Signature"
    assert _refused({**signed, "Subject": "added after signing"}) == "Signature"
    assert _refused({**SnsSigner().sign(NOTIFICATION)}) == "Signature"  # right URL, someone else's key
    assert _refused({**signed, "SignatureVersion": "2"}) == "Signature"  # signed as SHA1, claimed SHA256


def test_missing_or_malformed_signature_fields_are_refused_by_name() -> None:
    signed = SIGNER.sign(NOTIFICATION)
    assert _refused({k: v for k, v in signed.items() if k != "SignatureVersion"}) == "SignatureVersion"
    assert _refused({**signed, "SignatureVersion": "3"}) == "SignatureVersion"
    assert _refused({**signed, "Signature": "not base64!"}) == "Signature"
    assert _refused({**signed, "Signature": ""}) == "Signature"
    assert _refused({**signed, "Type": "Surprise"}) == "Type"


@pytest.mark.parametrize("url", [
    "http://sns.us-east-1.amazonaws.com/cert.pem",  # not https
    "https://sns.us-east-1.amazonaws.com.attacker.example/cert.pem",
    "https://attacker.example/sns.us-east-1.amazonaws.com/cert.pem",
    "https://sns.us-east-1.amazonaws.com:8443/cert.pem",
    "https://sns.us-east-1.amazonaws.com/cert.txt",
    "https://s3.amazonaws.com/cert.pem",
])
def test_a_certificate_outside_sns_is_never_fetched(url: str) -> None:
    fetched: list[str] = []
    signed = {**SIGNER.sign(NOTIFICATION), "SigningCertURL": url}
    with pytest.raises(Forbidden) as caught:
        verify(signed, lambda u: fetched.append(u) or SIGNER.pem)  # type: ignore[func-returns-value]
    assert caught.value.details["field"] == "SigningCertURL" and fetched == []


def test_an_unreachable_certificate_is_refused() -> None:
    signed = {**SIGNER.sign(NOTIFICATION), "SigningCertURL": CERT_URL.replace("0123", "9999")}
    assert _refused(signed) == "SigningCertURL"


def test_sns_urls() -> None:
    assert is_sns_url("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription")
    assert is_sns_url("https://sns.cn-north-1.amazonaws.com.cn/x.pem")
    assert not is_sns_url("https://sns.eu-west-1.amazonaws.com@attacker.example/")
    assert not is_sns_url("https://evilsns.eu-west-1.amazonaws.com/")
