"""The in-process moto the integration tests start for each test keeps one set of its `requests` callbacks."""
from __future__ import annotations

from moto import mock_aws
from moto.core.models import responses_mock


def test_starting_the_mock_again_keeps_one_set_of_its_callbacks() -> None:
    # Given the mock started and stopped once, as the cloud fixture does for a test (no reset, data kept)
    first = mock_aws()
    first.start(reset=False)
    one_set = len(responses_mock.registered())
    first.stop(remove_data=False)
    # When it is started for five more tests
    for _ in range(5):
        again = mock_aws()
        again.start(reset=False)
        held = len(responses_mock.registered())
        again.stop(remove_data=False)
        # Then it holds the same set each time, not one more set per start (which made each `requests` call walk
        # them all)
        assert held == one_set > 1000
    # And a start with a reset (which empties the registry) has the whole set again
    fresh = mock_aws()
    fresh.start()
    try:
        assert len(responses_mock.registered()) == one_set
    finally:
        fresh.stop(remove_data=False)
