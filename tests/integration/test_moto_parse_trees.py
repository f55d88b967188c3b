"""moto's Step Functions (patched by infra/local/moto_main.py) parses each ASL definition once: at the machine's
creation, not again at each execution's start; every execution still runs a program of its own."""
from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser

ROLE = "arn:aws:iam::123456789012:role/states"


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of ANTLR parses of whole state machines."""
    counted: list[int] = []
    parse = ASLParser.state_machine

    def counting(self: Any) -> Any:
        counted.append(1)
        return parse(self)

    monkeypatch.setattr(ASLParser, "state_machine", counting)
    return counted


def _output(sfn: Any, arn: str) -> Any:
    deadline = time.monotonic() + 10
    while (found := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert found["status"] == "SUCCEEDED", found
    return json.loads(found["output"])


def test_a_definition_is_parsed_once_for_its_machine_and_all_its_executions(
        cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a definition moto has not seen (its Pass state adds the input's n to a marker of this test)
    marker = uuid.uuid4().hex
    definition = {"StartAt": "echo", "States": {"echo": {
        "Type": "Pass", "Parameters": {"marker": marker, "n.$": "$.n"}, "End": True}}}
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    parses = _parses(monkeypatch)

    # When a machine is created from it, and three executions of it run
    machine = sfn.create_state_machine(name=f"kept-{marker[:8]}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    started = [sfn.start_execution(stateMachineArn=machine, name=f"n{n}", input=json.dumps({"n": n}))["executionArn"]
               for n in range(3)]
    outputs = [_output(sfn, arn) for arn in started]

    # Then it was parsed once, and each execution ran its own program on its own input
    assert len(parses) == 1
    assert outputs == [{"marker": marker, "n": n} for n in range(3)]


def test_a_definition_that_does_not_parse_is_refused_every_time(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a definition with a syntax error
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    broken = '{"StartAt": "a", "States": {"a": {"Type": "Pass", "End": true}}'  # one brace short
    parses = _parses(monkeypatch)
    # When a machine is created from it twice, Then both are refused, each after a parse of its own
    for _ in range(2):
        with pytest.raises(ClientError) as refused:
            sfn.create_state_machine(name="broken", definition=broken, roleArn=ROLE)
        assert "ASLParserException" in refused.value.response["Error"]["Message"], refused.value.response
    assert len(parses) == 2
