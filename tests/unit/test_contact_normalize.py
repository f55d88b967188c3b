"""Contact field normalisation rules."""
from __future__ import annotations

import pytest

from leadpilot.contacts.normalize import normalize_fields, normalize_tags, require_reachable_or_named
from leadpilot.errors import ValidationFailed


def test_tags_are_trimmed_lowercased_and_deduplicated_in_order() -> None:
    assert normalize_tags([" VIP ", "vip", "Hot  Lead", "hot lead", "b"]) == ["vip", "hot lead", "b"]


def test_null_clears_blank_text_becomes_none() -> None:
    fields = normalize_fields({"first_name": "  ", "company": None, "tags": None, "email": ""}, "US")
    assert fields == {"first_name": None, "company": None, "tags": [], "email": None}


def test_a_contact_needs_a_name_email_or_phone() -> None:
    require_reachable_or_named({"email": "a@b.co"})
    with pytest.raises(ValidationFailed) as err:
        require_reachable_or_named({"company": "Acme", "first_name": None})
    assert {e["field"] for e in err.value.details["errors"]} == {"first_name", "last_name", "email", "phone"}
