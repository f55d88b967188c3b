"""The busy cache's interval merge and the push secret's shape (no AWS)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.calendar_sync.busy import merge
from leadpilot.calendar_sync.links import Secret, digest

intervals = st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(intervals)
def test_merged_intervals_are_sorted_disjoint_and_cover_exactly_the_busy_points(raw: list[tuple[int, int]]) -> None:
    # Given any intervals (some empty or reversed) / When merged
    merged = merge(raw)
    # Then they are sorted, non-empty, separated by gaps
    assert all(a < b for a, b in merged)
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))
    # And a point is busy after merging exactly when some proper interval held it
    for point in range(0, 501, 7):
        assert any(a <= point < b for a, b in merged) == any(a <= point < b for a, b in raw if a < b)


def test_a_secret_names_its_host_and_only_its_digest_is_compared() -> None:
    # Given a new push secret
    secret = Secret.new("01M80A45J90JMESM0AR82N1PFF", "01M80A45J90JMESM0AR82N1PFG", "google")
    # Then it parses back to its host and provider, and its digest is not the secret
    parsed = Secret.parse(secret.value)
    assert parsed == secret and secret.digest == digest(secret.value) and secret.value not in secret.digest
    # And malformed or foreign values are refused
    for bad in (None, "", "a.b.c", "a.b.yahoo.d", "a..google.d", secret.value + ".x"):
        assert Secret.parse(bad) is None
