"""The compiled Retry means on moto what it means on AWS: `MaxAttempts: N` is the first attempt plus N retries,
each a new task token whose answer is awaited (moto 5.2 reused the first token, so retries failed at once)."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.moto_server import MotoServer
from leadpilot.automation.flows.compiler import TRANSIENT_ERROR, TRANSIENT_RETRIES, compile_flow
from leadpilot.automation.flows.validate import validate_flow

ROLE = "arn:aws:iam::123456789012:role/automation"
Answer = Callable[[int], dict[str, Any] | None]  # attempt -> output, or None to fail it with LeadPilot.Transient


def compiled_action(queue_url: str) -> dict[str, Any]:
    """The Task state the compiler makes for an action (a webhook), with its Retry and Catch as compiled."""
    flow = validate_flow({"name": "r", "trigger": {"event": "manual"},
                          "nodes": [{"id": "t", "type": "trigger"},
                                    {"id": "call", "type": "webhook", "url": "https://hooks.example.com/in"},
                                    {"id": "done", "type": "end"}],
                          "edges": [{"from": "t", "to": "call"}, {"from": "call", "to": "done"}]})
    state = compile_flow(flow, action_queue_url=queue_url, flow_id="f", version=1)["States"]["call"]
    assert state["Retry"][0]["MaxAttempts"] == TRANSIENT_RETRIES
    return dict(state)


def run_action(answer: Answer) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Execute the compiled action state, answering each message it sends; (messages, execution)."""
    sqs, sfn = boto3.client("sqs"), boto3.client("stepfunctions")
    queue_url = sqs.create_queue(QueueName=f"actions-{time.monotonic_ns()}")["QueueUrl"]
    task = {**compiled_action(queue_url), "Next": "done"}
    task["Catch"] = [{**task["Catch"][0], "Next": "gave_up"}]
    definition = {"StartAt": "call", "States": {"call": task, "done": {"Type": "Succeed"},
                                                "gave_up": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(name=f"retry-{time.monotonic_ns()}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, name="run-1", input="{}")["executionArn"]
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60  # a guard against a hang, not an assertion
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING" and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            messages.append(body)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            output = answer(int(body["attempt"]))
            if output is None:
                sfn.send_task_failure(taskToken=body["token"], error=TRANSIENT_ERROR, cause="receiver down")
            else:
                sfn.send_task_success(taskToken=body["token"], output=json.dumps(output))
    return messages, sfn.describe_execution(executionArn=execution)


def scheduled(execution: dict[str, Any]) -> int:
    events = boto3.client("stepfunctions").get_execution_history(executionArn=execution["executionArn"])["events"]
    return sum(1 for event in events if event["type"] == "TaskScheduled")


@pytest.fixture
def moto_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local cloud's moto server (`infra.local.moto_main`), with boto3 pointed at it."""
    server = MotoServer(tmp_path / "moto.log", tmp_path / "moto.pid")
    server.start()
    for key, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL": server.url}.items():
        monkeypatch.setenv(key, value)
    try:
        yield
    finally:
        server.stop()


@pytest.mark.parametrize("aws", ["cloud", "moto_server"])
def test_a_step_that_always_fails_is_attempted_max_attempts_plus_one_times(aws: str,
                                                                          request: pytest.FixtureRequest) -> None:
    # Given the compiled action state on moto (in-process, as the tests run it, and the local cloud's server)
    # and a worker that answers LeadPilot.Transient every time
    request.getfixturevalue(aws)
    # When it runs
    messages, execution = run_action(lambda attempt: None)

    # Then there were exactly MaxAttempts + 1 attempts, each with its own token, before the Catch was taken
    assert [m["attempt"] for m in messages] == list(range(TRANSIENT_RETRIES + 1))
    assert len({m["token"] for m in messages}) == TRANSIENT_RETRIES + 1
    assert scheduled(execution) == TRANSIENT_RETRIES + 1
    assert json.loads(execution["output"])["error"]["Error"] == TRANSIENT_ERROR


def test_the_answer_to_a_retry_is_awaited_and_used(cloud: Any) -> None:
    # Given a worker whose first attempt fails and whose second succeeds
    # When the compiled action state runs
    messages, execution = run_action(lambda attempt: None if attempt == 0 else {"status": 200, "attempt": attempt})

    # Then the second attempt's answer is the state's result: no further attempt, no Catch
    assert [m["attempt"] for m in messages] == [0, 1]
    assert scheduled(execution) == 2
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["nodes"]["call"] == {"status": 200, "attempt": 1}
