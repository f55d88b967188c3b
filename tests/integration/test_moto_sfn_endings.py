"""The local cloud's Step Functions (moto, patched by infra/local/moto_main.py) shows an execution's end whole,
reports it on the default event bus as AWS does, and stops an execution whose program has not begun yet."""
from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest
from moto.stepfunctions.parser.backend.execution import Execution

from leadpilot.automation.triggers.triggers import STATUS_CHANGE

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


FAILS = {"StartAt": "no", "States": {"no": {"Type": "Fail", "Error": "Flow.Broken", "Cause": "a bad node"}}}


def test_an_execution_s_end_is_reported_on_the_default_bus_as_aws_reports_it(cloud: Any) -> None:
    # Given a rule on the default bus for Step Functions' status changes of machines named "ends-", into a queue
    sfn, events, sqs = (boto3.client(name, region_name="us-east-1") for name in ("stepfunctions", "events", "sqs"))
    queue = sqs.create_queue(QueueName="status-changes")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    machines = {name: sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                               roleArn="arn:aws:iam::123456789012:role/states")["stateMachineArn"]
                for name, definition in (("ends-yes", ENDS_YES), ("ends-failing", FAILS), ("other-yes", ENDS_YES))}
    prefix = machines["ends-yes"].rsplit(":", 1)[0] + ":ends-"
    events.put_rule(Name="status-changes", EventPattern=json.dumps({
        "source": ["aws.states"], "detail-type": [STATUS_CHANGE],
        "detail": {"status": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
                   "stateMachineArn": [{"prefix": prefix}]}}))
    events.put_targets(Rule="status-changes", Targets=[{"Id": "queue", "Arn": queue_arn}])

    # When one execution of each machine ends
    started = {name: sfn.start_execution(stateMachineArn=arn, name="one", input='{"contact": "c1"}')["executionArn"]
               for name, arn in machines.items()}
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 10
    while len(found) < 2 and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            event = json.loads(message["Body"])
            found[event["detail"]["stateMachineArn"].rsplit(":", 1)[-1]] = event

    # Then each end the rule matches came as AWS sends it: source, detail-type, the execution as a resource, and
    # the detail Step Functions gives (the output of a success, the error and cause of a failure)
    time.sleep(0.3)  # the third machine's end, which the rule does not match, would have arrived by now
    assert sorted(found) == ["ends-failing", "ends-yes"]
    yes, failing = found["ends-yes"], found["ends-failing"]
    assert (yes["source"], yes["detail-type"], yes["resources"]) == ("aws.states", STATUS_CHANGE, [started["ends-yes"]])
    assert {k: yes["detail"][k] for k in ("executionArn", "stateMachineArn", "name", "status", "error", "cause")} == {
        "executionArn": started["ends-yes"], "stateMachineArn": machines["ends-yes"], "name": "one",
        "status": "SUCCEEDED", "error": None, "cause": None}
    assert json.loads(yes["detail"]["output"]) == {"outcome": "yes"} and json.loads(yes["detail"]["input"]) == {
        "contact": "c1"}
    assert yes["detail"]["outputDetails"] == {"included": True}
    assert yes["detail"]["startDate"] <= yes["detail"]["stopDate"]
    assert ({k: failing["detail"][k] for k in ("status", "error", "cause", "output")}
            == {"status": "FAILED", "error": "Flow.Broken", "cause": "a bad node", "output": None})
    assert not sqs.receive_message(QueueUrl=queue).get("Messages")


WAITS = {"StartAt": "w", "States": {"w": {"Type": "Wait", "Seconds": 30, "End": True}}}


def test_an_execution_stopped_before_its_program_begins_is_aborted(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an execution whose program thread has not begun yet (held where it would parse the definition)
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.create_state_machine(name="stopped-early", definition=json.dumps(WAITS),
                                       roleArn="arn:aws:iam::123456789012:role/states")["stateMachineArn"]
    held, entrypoint = threading.Event(), ExecutionWorker._get_evaluation_entrypoint

    def held_entrypoint(self: Any) -> Any:
        held.wait(10)
        return entrypoint(self)

    monkeypatch.setattr(ExecutionWorker, "_get_evaluation_entrypoint", held_entrypoint)
    arn = sfn.start_execution(stateMachineArn=machine, name="early")["executionArn"]

    # When it is stopped then (its thread goes on a moment later)
    threading.Timer(0.3, held.set).start()
    sfn.stop_execution(executionArn=arn, error="Ops.Stopped", cause="at once")

    # Then the stop is answered, and the execution ends ABORTED instead of waiting its 30 s
    deadline = time.monotonic() + 10
    while (found := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert found["status"] == "ABORTED", found
