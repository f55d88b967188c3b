"""Cleaning deal and stage input: exact money, ISO 4217 currency, ISO dates, members as owners."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from leadpilot.errors import ValidationFailed
from leadpilot.identity.store import get_membership_item

# Active ISO 4217 codes (2024), so "XYZ" is refused rather than stored.
_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
_ISO_4217 = frozenset(_CODES.split())
MAX_VALUE = Decimal(10) ** 15
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
DEFAULT_CURRENCY = "USD"
DEFAULT_STAGES: tuple[tuple[str, str, int], ...] = (
    ("Lead in", "open", 10), ("Qualified", "open", 25), ("Proposal", "open", 50), ("Negotiation", "open", 75),
    ("Won", "won", 100), ("Lost", "lost", 0))
DEFAULT_PROBABILITY = {"open": 50, "won": 100, "lost": 0}


def parse_value(raw: Any) -> Decimal:
    """A deal value from a JSON number or decimal string: >= 0, < 10^15, at most 4 decimals, exact."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str) or (
            isinstance(raw, str) and not _DECIMAL.fullmatch(raw.strip())):
        raise ValidationFailed.field("value", "must be a number or a decimal string")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValidationFailed.field("value", "must be a number or a decimal string") from exc
    if not value.is_finite() or value < 0 or value >= MAX_VALUE:
        raise ValidationFailed.field("value", "must be from 0 to less than 10^15")
    if int(value.as_tuple().exponent) < -4 and value != value.quantize(Decimal("0.0001")):
        raise ValidationFailed.field("value", "has more than 4 decimal places")
    return value.quantize(Decimal("0.0001")).normalize() if value else Decimal(0)


def parse_currency(raw: str) -> str:
    code = raw.strip().upper()
    if code not in _ISO_4217:
        raise ValidationFailed.field("currency", "is not an ISO 4217 currency code")
    return code


def parse_date(raw: str | None, field: str) -> str | None:
    """An ISO calendar date (YYYY-MM-DD) or None."""
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw).isoformat()
    except ValueError as exc:
        raise ValidationFailed.field(field, "must be a date as YYYY-MM-DD") from exc


def require_member(workspace_id: str, owner_id: str | None) -> str | None:
    """An owner must be a member of the workspace (422 naming owner_id otherwise)."""
    if owner_id is not None and get_membership_item(workspace_id, owner_id) is None:
        raise ValidationFailed.field("owner_id", "is not a member of this workspace")
    return owner_id


def clean_text(raw: str, field: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise ValidationFailed.field(field, "must not be blank")
    return text
