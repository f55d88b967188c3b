"""The local cloud's Step Functions (moto, patched by infra/local/moto_main.py) shows an execution's end whole."""
from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest
from moto.stepfunctions.parser.backend.execution import Execution

ENDS_YES = {"StartAt": "yes", "States": {"yes": {"Type": "Pass", "Result": {"outcome": "yes"}, "End": True}}}


def test_a_describe_during_an_execution_s_end_sees_its_output(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an execution whose end is being written when another request describes it: the describe is sent
    # right after its status becomes SUCCEEDED, before its output is set
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.create_state_machine(name="ends-yes", definition=json.dumps(ENDS_YES),
                                       roleArn="arn:aws:iam::123456789012:role/states")["stateMachineArn"]
    described: list[dict[str, Any]] = []
    describer: list[threading.Thread] = []

    def set_status(self: Any, value: Any) -> None:
        self.__dict__["exec_status"] = value
        if getattr(value, "value", value) == "SUCCEEDED" and not describer:
            arn = self.exec_arn
            read = threading.Thread(target=lambda: described.append(sfn.describe_execution(executionArn=arn)))
            describer.append(read)
            describer[0].start()
            describer[0].join(timeout=1)  # the describe answers now, or once the end is written

    monkeypatch.setattr(Execution, "exec_status", property(lambda self: self.__dict__.get("exec_status"), set_status),
                        raising=False)
    arn = sfn.start_execution(stateMachineArn=machine, name="one")["executionArn"]
    deadline = time.monotonic() + 10
    while not described and time.monotonic() < deadline:
        time.sleep(0.05)
    describer[0].join(timeout=10)
    # Then that describe saw the succeeded execution with the output its End state wrote
    assert [(d["executionArn"], d["status"], json.loads(d.get("output") or "null")) for d in described] == [
        (arn, "SUCCEEDED", {"outcome": "yes"})]
