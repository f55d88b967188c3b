"""A page of runs is synced with its executions described together (machines.describe_many)."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from leadpilot.automation.runs import machines

ARNS = [f"arn:aws:states:us-east-1:000000000000:execution:flow-v1:run-{n}" for n in "abcde"]


class _StepFunctions:
    """DescribeExecution as Step Functions answers it; the first three calls wait for each other."""

    def __init__(self, gone: frozenset[str] = frozenset(), failing: frozenset[str] = frozenset()) -> None:
        self.meet = threading.Barrier(3, timeout=5)
        self.gone, self.failing = gone, failing

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        if executionArn in ARNS[:3]:
            self.meet.wait()  # one call after another would never get past this
        if executionArn in self.gone | self.failing:
            code = "ExecutionDoesNotExist" if executionArn in self.gone else "ThrottlingException"
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "DescribeExecution")
        return {"executionArn": executionArn, "status": "RUNNING"}


def test_the_executions_are_described_together_and_answered_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Step Functions that knows every execution but the fourth
    service = _StepFunctions(gone=frozenset({ARNS[3]}))
    monkeypatch.setattr(machines, "_client", lambda region: service)
    # When a page's executions are described
    found = machines.describe_many("us-east-1", ARNS)
    # Then the first three were in flight at once, and each answer is in its execution's place (None: gone)
    assert [d["executionArn"] if d else None for d in found] == [ARNS[0], ARNS[1], ARNS[2], None, ARNS[4]]


def test_a_failed_describe_fails_the_page_as_one_describe_would(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Step Functions that throttles one of the calls
    service = _StepFunctions(failing=frozenset({ARNS[4]}))
    monkeypatch.setattr(machines, "_client", lambda region: service)
    # Then the page fails with the runtime's transient error (the caller retries), not with a partial answer
    with pytest.raises(machines.TransientAwsError, match="ThrottlingException"):
        machines.describe_many("us-east-1", ARNS)


def test_one_execution_is_described_in_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads = []

    class One:
        def describe_execution(self, executionArn: str) -> dict[str, Any]:
            threads.append(threading.current_thread())
            return {"executionArn": executionArn, "status": "SUCCEEDED"}

    monkeypatch.setattr(machines, "_client", lambda region: One())
    assert machines.describe_many("us-east-1", ARNS[:1])[0] == {"executionArn": ARNS[0], "status": "SUCCEEDED"}
    assert threads == [threading.current_thread()] and machines.describe_many("us-east-1", []) == []
