"""Webhook signatures: Twilio's published vector through twilio's RequestValidator, and our timestamped HMAC."""
from __future__ import annotations

import pytest

from leadpilot.messages.signatures import sign_webhook, twilio_signature, twilio_signature_valid, verify_webhook

# The worked example of Twilio's webhook-security documentation (also in twilio-python's own tests).
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
          "From": "+14158675309", "To": "+18005551212"}
PUBLISHED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_published_example_signature_is_reproduced_and_accepted() -> None:
    assert twilio_signature(TOKEN, URL, PARAMS) == PUBLISHED
    assert twilio_signature_valid(TOKEN, URL, PARAMS, PUBLISHED)


def test_repeated_form_fields_are_signed_as_twilio_does() -> None:
    # Given a form with a repeated field (twilio-python's vector for repeated values)
    params = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]}
    assert twilio_signature_valid(TOKEN, URL, params, "IK+Dwps556ElfBT0I3Rgjkr1wJU=")


def test_an_inbound_sms_signed_by_the_sandbox_verifies_through_the_same_validator() -> None:
    # Given the simulator signing an inbound SMS with the workspace's token
    url = "https://api.leadpilot.test/sms/inbound"
    form = {"MessageSid": "SM0123456789abcdef0123456789abcdef", "From": "+34600123456", "To": "+15005550006",
            "Body": "¡Hola! ¿Tenéis cita el martes? 😀", "NumMedia": "0"}
    signature = twilio_signature("sandbox-token", url, form)
    # Then the webhook accepts it
    assert twilio_signature_valid("sandbox-token", url, form, signature)


@pytest.mark.parametrize(("token", "url", "params", "signature"), [
    ("wrong", URL, PARAMS, PUBLISHED),
    (TOKEN, URL + "&extra=1", PARAMS, PUBLISHED),
    (TOKEN, URL.replace("https", "http"), PARAMS, PUBLISHED),
    (TOKEN, URL, {**PARAMS, "Digits": "9999"}, PUBLISHED),
    (TOKEN, URL, {**PARAMS, "Extra": "1"}, PUBLISHED),
    (TOKEN, URL, PARAMS, PUBLISHED[:-2] + "A="),
    (TOKEN, URL, PARAMS, ""),
    (TOKEN, URL, PARAMS, None),
    (TOKEN, URL, PARAMS, "invalid 王"),
    ("", URL, PARAMS, PUBLISHED),
])
def test_tampered_or_missing_twilio_signatures_fail(token: str, url: str, params: dict[str, str],
                                                   signature: str | None) -> None:
    assert not twilio_signature_valid(token, url, params, signature)


BODY = '{"type":"sms.received","data":{"body":"¿Mañana?"}}'.encode()
NOW = 1_900_000_000


def test_our_webhooks_round_trip_with_a_timestamped_signature() -> None:
    header = sign_webhook("whsec_a", BODY, NOW)
    assert header.startswith(f"t={NOW},v1=") and len(header.split("v1=")[1]) == 64
    assert verify_webhook("whsec_a", BODY, header, now=NOW + 299)


def test_rotation_accepts_either_secret_and_either_signature() -> None:
    header = sign_webhook("whsec_new", BODY, NOW) + "," + sign_webhook("whsec_old", BODY, NOW).split(",")[1]
    assert verify_webhook(["whsec_old"], BODY, header, now=NOW)
    assert verify_webhook(["whsec_new", "whsec_old"], BODY, header, now=NOW)


@pytest.mark.parametrize(("secret", "body", "header", "now"), [
    ("whsec_b", BODY, sign_webhook("whsec_a", BODY, NOW), NOW),                 # wrong secret
    ("whsec_a", BODY + b" ", sign_webhook("whsec_a", BODY, NOW), NOW),          # body changed
    ("whsec_a", BODY, sign_webhook("whsec_a", BODY, NOW), NOW + 301),           # replayed too late
    ("whsec_a", BODY, sign_webhook("whsec_a", BODY, NOW), NOW - 301),           # from the future
    ("whsec_a", BODY, sign_webhook("whsec_a", BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}"), NOW),
    ("whsec_a", BODY, f"v1={sign_webhook('whsec_a', BODY, NOW).split('v1=')[1]}", NOW),  # no timestamp
    ("whsec_a", BODY, f"t={NOW}", NOW),
    ("whsec_a", BODY, f"t={NOW},v1=王", NOW),
    ("whsec_a", BODY, "", NOW),
    ("whsec_a", BODY, None, NOW),
    ("", BODY, sign_webhook("", BODY, NOW), NOW),                              # an empty secret verifies nothing
])
def test_bad_webhook_signatures_fail(secret: str, body: bytes, header: str | None, now: int) -> None:
    assert not verify_webhook(secret, body, header, now=now)
