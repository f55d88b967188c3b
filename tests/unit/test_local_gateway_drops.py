"""The local gateway's connection workers: a client that leaves mid-answer is no error; anything else still is."""
from __future__ import annotations

from typing import Any

import pytest

from infra.local.gateway import BoundedThreadingMixIn


class _Server(BoundedThreadingMixIn):
    """The mixin over a fake socket server whose request handling raises what it is given."""

    def __init__(self, failure: Exception) -> None:
        self.failure, self.errors, self.closed = failure, [], []
        self.process_request("connection", ("127.0.0.1", 1))
        assert self._pool is not None
        self._pool.shutdown(wait=True)

    def finish_request(self, request: Any, client_address: Any) -> None:
        raise self.failure

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.errors.append(request)

    def shutdown_request(self, request: Any) -> None:
        self.closed.append(request)


@pytest.mark.parametrize("failure", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")])
def test_a_client_that_left_before_its_answer_is_not_reported(failure: Exception) -> None:
    # When a connection's client goes away while its answer is written
    server = _Server(failure)
    # Then nothing is reported (no traceback in `make dev`'s output), and the connection is closed all the same
    assert server.errors == [] and server.closed == ["connection"]


def test_any_other_failure_of_a_connection_is_still_reported() -> None:
    server = _Server(ValueError("a bug"))
    assert server.errors == ["connection"] and server.closed == ["connection"]
