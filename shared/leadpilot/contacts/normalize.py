"""Cleaning contact input: trimmed text, lowercase email, E.164 phone, tidy tags.

Custom fields are cleaned against the workspace's definitions by contacts/fields.py, not here.
"""
from __future__ import annotations

from typing import Any

from leadpilot.contact_points import normalize_email, normalize_phone
from leadpilot.errors import ValidationFailed

_TEXT = ("first_name", "last_name", "company", "source")


def normalize_tag(tag: str) -> str:
    """Whitespace collapsed, lowercased."""
    return " ".join(tag.split()).lower()


def normalize_tags(tags: list[str]) -> list[str]:
    """Trimmed, lowercased, de-duplicated, in the order given."""
    seen: dict[str, None] = {}
    for tag in tags:
        if normalize_tag(tag):
            seen.setdefault(normalize_tag(tag), None)
    return list(seen)


def normalize_fields(body: dict[str, Any], default_region: str) -> dict[str, Any]:
    """Normalise every field present; None (clear the field) passes through, blank text becomes None."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        if name == "custom_fields":
            continue
        if value is None:
            out[name] = [] if name == "tags" else False if name == "do_not_contact" else None
        elif name in _TEXT:
            out[name] = value.strip() or None
        elif name == "email":
            out[name] = normalize_email(value) if value.strip() else None
        elif name == "phone":
            out[name] = normalize_phone(value, default_region) if value.strip() else None
        elif name == "tags":
            out[name] = normalize_tags(value)
        elif name == "do_not_contact":
            out[name] = bool(value)
        elif name == "owner_id":
            out[name] = value.strip() or None
    return out


def require_reachable_or_named(fields: dict[str, Any]) -> None:
    """A contact needs at least a name, an email or a phone number."""
    if not any(fields.get(k) for k in ("first_name", "last_name", "email", "phone")):
        raise ValidationFailed("a contact needs a first_name, last_name, email or phone",
                               {"errors": [{"field": f, "message": "one of these is required"}
                                           for f in ("first_name", "last_name", "email", "phone")]})
