"""A sort-key prefix as a BETWEEN range: the range holds exactly the keys that begin with the prefix."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.db.base import _next_prefix

# Letters of every UTF-8 length, the last code points before the surrogates and the very last one.
_chars = st.sampled_from(["a", "z", "#", "é", "\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0010ffff"])
_text = st.lists(_chars, max_size=5).map("".join)


def _key(text: str) -> bytes:
    return text.encode()  # DynamoDB orders string keys by their UTF-8 bytes


@settings(max_examples=200, deadline=None)
@given(prefix=_text.filter(bool), key=_text)
def test_a_key_is_in_the_range_exactly_when_it_begins_with_the_prefix(prefix: str, key: str) -> None:
    # Given a prefix and its range's upper bound
    upper = _next_prefix(prefix)
    # When a key is compared with the range [prefix, upper)
    in_range = _key(prefix) <= _key(key) and (upper is None or _key(key) < _key(upper))
    # Then it lies in the range if and only if it begins with the prefix (no upper: only U+10FFFF after it)
    assert in_range == key.startswith(prefix) or (upper is None and in_range)
    if upper is not None:
        assert not upper.startswith(prefix)


def test_the_next_prefix_steps_over_surrogates_and_the_last_code_point() -> None:
    assert _next_prefix("ada") == "adb"
    assert _next_prefix("a\ud7ff") == "a\ue000"
    assert _next_prefix("a\U0010ffff") == "b"
    assert _next_prefix("\U0010ffff") is None
