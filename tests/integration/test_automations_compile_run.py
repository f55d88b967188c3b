"""A compiled flow runs on moto's Step Functions, with this test acting as the action worker."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from leadpilot.automation.flows.compiler import compile_flow, initial_input
from leadpilot.automation.flows.validate import validate_flow

GOLDEN = Path(__file__).resolve().parents[2] / "state_machines" / "golden"
ROLE = "arn:aws:iam::123456789012:role/leadpilot-flows"
THREE_DAYS_IN_ONE_SECOND = 1 / 259200  # a 3-day timeout becomes 1 s (the minimum)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """In-process moto with Step Functions execution switched on: (stepfunctions, sqs) clients."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions"), boto3.client("sqs")


def start_follow_up(sfn: Any, sqs: Any, name: str, start_at: str | None = None) -> tuple[str, str]:
    """Compile the follow-up golden flow, create its machine (the entry machine for a start at a node) and start
    a named run; (queue url, execution arn)."""
    queue = sqs.create_queue(QueueName=f"actions-{name}")["QueueUrl"]
    flow = validate_flow(json.loads((GOLDEN / "follow_up_until_reply.flow.json").read_text()))
    asl = compile_flow(flow, action_queue_url=queue, time_scale=THREE_DAYS_IN_ONE_SECOND, flow_id="f1", version=1,
                       entry=start_at is not None)
    machine = sfn.create_state_machine(name=f"flow-{name}", definition=json.dumps(asl), roleArn=ROLE)
    run_input = initial_input({"workspace_id": "ws1", "flow_id": "f1", "version": 1, "contact_id": "c1"},
                              {"id": "c1", "first_name": "Ada", "tag_flags": {"new_lead": True}},
                              {"type": "contact.tag_added", "data": {"tag": "new-lead"}}, start_at=start_at)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name=f"ws1-f1-c1-{name}",
                                    input=json.dumps(run_input))
    return queue, execution["executionArn"]


def act_as_worker(sfn: Any, sqs: Any, queue: str, execution: str, reply_after_sms: int | None,
                  limit_s: float = 30) -> tuple[list[str], dict[str, Any]]:
    """Answer every action until the run ends; answer a wait-for-reply once `reply_after_sms` texts were sent."""
    actions: list[str] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return actions, described
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            actions.append(body["action"])
            if body["action"] == "wait_for_reply":
                if actions.count("send_sms") == reply_after_sms:
                    sfn.send_task_success(taskToken=body["token"], output=json.dumps({"text": "Yes, call me"}))
                continue  # no reply: the wait times out by itself
            sfn.send_task_success(taskToken=body["token"], output=json.dumps({"ok": True, "node": body["node"]}))
    raise TimeoutError(f"run still going after {limit_s}s: {actions}")


def test_no_reply_sends_one_plus_four_texts_then_creates_a_task(aws: tuple[Any, Any]) -> None:
    # Given the compiled follow-up flow, started for a contact who never replies
    sfn, sqs = aws
    queue, execution = start_follow_up(sfn, sqs, "noreply")

    # When the worker performs every action and never answers a wait for reply
    actions, described = act_as_worker(sfn, sqs, queue, execution, reply_after_sms=None)

    # Then exactly 1 + 4 texts went out, each followed by a wait, then one task for the owner
    assert described["status"] == "SUCCEEDED", described
    assert actions == ["send_sms", "wait_for_reply"] * 5 + ["create_task"]
    output = json.loads(described["output"])
    assert output["loops"]["followups"] == {"count": 4}
    assert output["nodes"]["owner_task"] == {"ok": True, "node": "owner_task"}


def test_reply_after_the_second_text_stops_the_follow_ups(aws: tuple[Any, Any]) -> None:
    # Given the compiled follow-up flow, started for a contact
    sfn, sqs = aws
    queue, execution = start_follow_up(sfn, sqs, "reply")

    # When the contact replies while the run waits after the second text
    actions, described = act_as_worker(sfn, sqs, queue, execution, reply_after_sms=2)

    # Then nothing more is sent and no task is created: the run ends on "replied"
    assert described["status"] == "SUCCEEDED", described
    assert actions == ["send_sms", "wait_for_reply", "send_sms", "wait_for_reply"]
    assert json.loads(described["output"])["nodes"]["await"] == {"text": "Yes, call me"}


def test_dispatcher_restarts_a_run_at_a_chosen_node(aws: tuple[Any, Any]) -> None:
    # Given the compiled follow-up flow
    sfn, sqs = aws

    # When a run is (re)started at the owner task
    queue, execution = start_follow_up(sfn, sqs, "restart", start_at="owner_task")
    actions, described = act_as_worker(sfn, sqs, queue, execution, reply_after_sms=None)

    # Then only the task is created and the run completes
    assert described["status"] == "SUCCEEDED", described
    assert actions == ["create_task"]
