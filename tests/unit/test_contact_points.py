"""Email and phone normalisation, regions and timezones."""
from __future__ import annotations

import pytest

from leadpilot.contact_points import check_region, check_timezone, normalize_email, normalize_phone
from leadpilot.errors import ValidationFailed


@pytest.mark.parametrize("raw,expected", [(" Ada@Example.COM ", "ada@example.com"),
                                          ("o'neil+crm@sub.example.co.uk", "o'neil+crm@sub.example.co.uk")])
def test_valid_emails_are_trimmed_and_lowercased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["plain", "a@b", "a@@b.com", "a b@c.com", "a..b@c.com", "a@-b.com",
                                 "x" * 65 + "@a.com"])
def test_invalid_emails_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        normalize_email(raw, field="email")
    assert err.value.details["errors"][0]["field"] == "email"


@pytest.mark.parametrize("raw,region,expected", [
    ("(415) 555-0101", "US", "+14155550101"),
    ("+44 20 7946 0018", "US", "+442079460018"),
    ("020 7946 0018", "GB", "+442079460018"),
    ("030 901820", "DE", "+4930901820"),
])
def test_phones_become_e164_using_the_default_region(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+1 555", "(415) 555-01011111"])
def test_invalid_phones_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        normalize_phone(raw, "US")
    assert err.value.details["errors"][0]["field"] == "phone"


def test_regions_and_timezones() -> None:
    assert check_region("gb") == "GB"
    assert check_timezone("America/New_York") == "America/New_York"
    with pytest.raises(ValidationFailed):
        check_region("ZZ")
    with pytest.raises(ValidationFailed):
        check_timezone("Mars/Olympus")
