"""Links in sent emails outlive a JWT secret rotation: they are signed with the link secret, and the secrets
they were signed with before (the JWT secret, a previous link secret) keep verifying them."""
from __future__ import annotations

import pytest

from leadpilot.email import mime
from leadpilot.email.config import EmailConfig, load_email_config
from leadpilot.email.feedback import _authorized, basic_auth
from leadpilot.errors import ConfigurationError

WS, MSG = "01M80BG3HNHC61GZVYXCQ3A06K", "01M80C0Z9Y8X7W6V5T4S3R2Q1P"
JWT_A, JWT_B = "a" * 40, "b" * 40
LINK_1, LINK_2 = "1" * 40, "2" * 40


def config(jwt: str, link: str = "", previous: str = "") -> EmailConfig:
    return load_email_config({"LEADPILOT_JWT_SECRET": jwt, "EMAIL_LINK_SECRET": link,
                              "EMAIL_LINK_SECRET_PREVIOUS": previous, "PUBLIC_BASE_URL": "https://api.test",
                              "EMAIL_INBOUND_DOMAIN": "reply.leadpilot.test"})


def links_of(signer: EmailConfig) -> tuple[str, str, str]:
    """An email's unsubscribe token, reply address and the SES webhook's credentials, as `signer` makes them."""
    return (mime.unsubscribe_token(signer, WS, MSG), mime.reply_address(signer, WS, MSG),
            basic_auth(signer.webhook_secret))


def accepted(verifier: EmailConfig, made: tuple[str, str, str]) -> list[bool]:
    unsubscribe, reply, auth = made
    return [mime.read_unsubscribe_token(verifier, unsubscribe) == (WS, MSG),
            mime.parse_reply_address(verifier, reply) == (WS, MSG), _authorized(verifier, auth)]


def test_rotating_the_jwt_secret_keeps_links_signed_with_the_link_secret() -> None:
    assert accepted(config(JWT_B, LINK_1), links_of(config(JWT_A, LINK_1))) == [True, True, True]


def test_links_from_before_the_link_secret_keep_working_until_the_jwt_secret_rotates() -> None:
    legacy = links_of(config(JWT_A))
    assert accepted(config(JWT_A, LINK_1), legacy) == [True, True, True]
    assert accepted(config(JWT_B, LINK_1), legacy) == [False, False, False]


def test_a_rotated_link_secret_stays_valid_as_the_previous_one() -> None:
    old = links_of(config(JWT_A, LINK_1))
    assert accepted(config(JWT_A, LINK_2, previous=LINK_1), old) == [True, True, True]
    assert accepted(config(JWT_B, LINK_2), old) == [False, False, False]
    # and the new secret signs
    assert links_of(config(JWT_A, LINK_2, previous=LINK_1)) == links_of(config(JWT_B, LINK_2))


@pytest.mark.parametrize("name", ["EMAIL_LINK_SECRET", "EMAIL_LINK_SECRET_PREVIOUS"])
def test_a_short_link_secret_is_a_configuration_error_naming_it(name: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        load_email_config({"LEADPILOT_JWT_SECRET": JWT_A, name: "short", "PUBLIC_BASE_URL": "https://api.test"})
