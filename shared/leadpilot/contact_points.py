"""Normalising the ways to reach a person: email addresses and phone numbers (E.164)."""
from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from leadpilot.errors import ValidationFailed

# Deliberately practical, not RFC 5322: one @, a dotted domain, no spaces or control characters.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def normalize_email(value: str, field: str = "email") -> str:
    """Trimmed, lowercased email, or a 422 naming the field."""
    email = value.strip().lower()
    local = email.split("@", 1)[0]
    if len(email) > 254 or len(local) > 64 or ".." in email or not _EMAIL_RE.match(email):
        raise ValidationFailed.field(field, "is not a valid email address")
    return email


def normalize_phone(value: str, default_region: str, field: str = "phone") -> str:
    """The number in E.164, parsed with the workspace's default region, or a 422 naming the field."""
    import phonenumbers  # ~70 ms to import: only when a phone number is actually parsed

    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed.field(field, f"is not a phone number ({exc._msg})") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed.field(field, f"is not a valid phone number for region {default_region}"
                                     if not value.strip().startswith("+") else "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_region(value: str, field: str = "default_region") -> str:
    """An ISO 3166 region code that phone numbers can be parsed against."""
    import phonenumbers

    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationFailed.field(field, "is not a supported ISO 3166 region code (e.g. US, GB, DE)")
    return region


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(value: str, field: str = "timezone") -> str:
    """An IANA timezone name."""
    if value not in _zones():
        raise ValidationFailed.field(field, "is not an IANA timezone (e.g. America/New_York)")
    ZoneInfo(value)
    return value
