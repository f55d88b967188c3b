"""A raw contact item read on the fast path (pages, searches) gives the same Contact as pynamodb's model."""
from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.contacts import store
from leadpilot.contacts.entities import Contact
from leadpilot.db.crm_models import ContactItem

_text = st.text(min_size=1, max_size=12)
_number = st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_value = st.recursive(st.none() | st.booleans() | _text | _number,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                      max_leaves=6)


def _raw(contact: Contact) -> dict[str, Any]:
    """The item as DynamoDB returns it after a save (attributes left unset are absent)."""
    return store.to_item(contact).serialize()  # type: ignore[no-any-return]


@settings(max_examples=40, deadline=None)
@given(first=st.none() | _text, email=st.none() | _text, tags=st.lists(_text, max_size=3),
       custom=st.dictionaries(_text, _value, max_size=3), score=st.integers(-100, 1000),
       engagement=st.dictionaries(st.sampled_from(["sms_replied", "email_opened"]), st.integers(0, 50)),
       dnc=st.booleans(), version=st.integers(1, 50))
def test_the_fast_path_reads_a_contact_as_the_model_does(first: str | None, email: str | None, tags: list[str],
                                                         custom: dict[str, Any], score: int,
                                                         engagement: dict[str, int], dnc: bool, version: int) -> None:
    # Given a contact as saved, with optional fields set or not, nested custom values and counters
    contact = Contact(id="01HZY3K9Q0W6T2B8V4N7M5R1XC", workspace_id="ws1", first_name=first, last_name=None,
                      email=email, phone=None, company=None, source=None, tags=tags, custom_fields=custom,
                      do_not_contact=dnc, owner_id=None, last_activity_at=None, score=score, engagement=engagement,
                      created_at="2026-01-01T00:00:00Z", updated_at="2026-01-02T00:00:00Z", created_by="u1",
                      version=version)
    raw = _raw(contact)
    # When it is read raw and through the model
    fast = store.from_raw(raw)
    model = store.to_contact(ContactItem.from_raw_data(raw))
    # Then both give the same contact, numbers and nested maps included
    assert fast == model
