"""The local cloud's moto server parks long Wait states (infra.local.sfn_waits) and unanswered callback tasks
(infra.local.sfn_callbacks): no thread held while waiting, continued exactly once when due or answered, kept
across a SIGKILL, and a stop ends a parked execution at once."""
from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.moto_server import MotoServer
from infra.local.sfn_waits import PROVISIONED_MARKER

ROLE = "arn:aws:iam::123456789012:role/sfn"


def _machine(wait_s: int) -> str:
    return json.dumps({"StartAt": "before", "States": {
        "before": {"Type": "Pass", "Result": "yes", "ResultPath": "$.before", "Next": "pause"},
        "pause": {"Type": "Wait", "Seconds": wait_s, "Next": "after"},
        "after": {"Type": "Pass", "Result": 1, "ResultPath": "$.after", "End": True}}})


class Server:
    """A moto_main server that parks waits of 2 s or more, journaling to one folder; killable and startable."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.server: MotoServer | None = None

    def start(self) -> Any:
        self.server = MotoServer(self.tmp_path / "moto.log", self.tmp_path / "moto.pid",
                                 state_dir=self.tmp_path / "moto-state")
        self.server.start()
        # What the local cloud does once it has provisioned: restored parked executions may go on from here.
        (self.tmp_path / "moto-state" / PROVISIONED_MARKER).touch()
        return boto3.client("stepfunctions", endpoint_url=self.server.url, region_name="us-east-1")

    @property
    def threads(self) -> int:
        assert self.server is not None and self.server._process is not None
        status = Path(f"/proc/{self.server._process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))

    def kill(self) -> None:
        assert self.server is not None and self.server._process is not None
        os.killpg(self.server._process.pid, signal.SIGKILL)
        self.server._process.wait()
        self.server.stop()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture
def moto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for key, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1",
                       "LEADPILOT_PARK_WAITS_AFTER_S": "2"}.items():
        monkeypatch.setenv(key, value)
    server = Server(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def _until(check: Callable[[], Any], what: str, tries: int = 120) -> Any:
    for _ in range(tries):  # bounded polling, not a timed assertion
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what}: never happened (last: {check()})")


def _events(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return list(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def _parked(sfn: Any, arn: str) -> bool:
    return bool(_events(sfn, arn)[-1]["type"] == "WaitStateEntered")


def _succeeded_once(sfn: Any, arn: str) -> dict[str, Any]:
    described = _until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                       f"{arn} ends")
    kinds = Counter(e["type"] for e in _events(sfn, arn))
    assert described["status"] == "SUCCEEDED", described
    assert (kinds["WaitStateExited"], kinds["ExecutionSucceeded"]) == (1, 1), kinds
    return dict(json.loads(described["output"]))


def test_long_waits_hold_no_thread_and_each_goes_on_once(moto: Server) -> None:
    # Given twenty executions of a machine that waits 4 s (over the 2 s after which waits are parked)
    sfn = moto.start()
    machine = sfn.create_state_machine(name="waits", definition=_machine(4), roleArn=ROLE)["stateMachineArn"]
    idle = moto.threads
    arns = [sfn.start_execution(stateMachineArn=machine, name=f"run-{n}", input=json.dumps({"n": n}))["executionArn"]
            for n in range(20)]

    # When all of them are in their Wait state
    _until(lambda: all(_parked(sfn, arn) for arn in arns), "every execution waits")

    # Then they are running, and hold no thread (moto's own wait held two each: forty here)
    assert {sfn.describe_execution(executionArn=arn)["status"] for arn in arns} == {"RUNNING"}
    assert moto.threads < idle + 10, (idle, moto.threads)
    # And listed in pages (the local cloud's moto cuts them itself), each of them once
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING",
                                                         PaginationConfig={"PageSize": 7})
    listed = [e["executionArn"] for page in pages for e in page["executions"]]
    assert sorted(listed) == sorted(arns)
    # And each goes on from its Wait exactly once, with its own data
    for n, arn in enumerate(arns):
        assert _succeeded_once(sfn, arn) == {"n": n, "before": "yes", "after": 1}


def test_a_parked_execution_survives_a_sigkill_and_goes_on_once_and_a_stopped_one_ends_for_good(
        moto: Server) -> None:
    # Given two executions parked in a Wait of 8 s
    sfn = moto.start()
    machine = sfn.create_state_machine(name="kept", definition=_machine(8), roleArn=ROLE)["stateMachineArn"]
    kept, stopped = (sfn.start_execution(stateMachineArn=machine, name=name, input='{"who": "ada"}')["executionArn"]
                     for name in ("kept", "stopped"))
    _until(lambda: _parked(sfn, kept) and _parked(sfn, stopped), "both executions wait")
    entered = _events(sfn, kept)[-1]

    # When one is stopped (as pause and cancel do)
    sfn.stop_execution(executionArn=stopped, error="LeadPilot.Paused", cause="paused")

    # Then it has ended, aborted, at once: before its wait was over
    assert sfn.describe_execution(executionArn=stopped)["status"] == "ABORTED"
    assert _events(sfn, stopped)[-1]["type"] == "ExecutionAborted"

    # When moto is then killed with SIGKILL and started again on the same state folder
    moto.kill()
    sfn = moto.start()

    # Then the parked execution is there again, in its Wait since the same moment with the same input (or, if
    # its due time passed while moto was down, already on from it)
    back = next(e for e in _events(sfn, kept) if e["type"] == "WaitStateEntered")
    assert (back["timestamp"], back["stateEnteredEventDetails"]) == (entered["timestamp"],
                                                                     entered["stateEnteredEventDetails"])
    # And the stopped one does not come back
    with pytest.raises(ClientError) as gone:
        sfn.describe_execution(executionArn=stopped)
    assert gone.value.response["Error"]["Code"] == "ExecutionDoesNotExist"
    # And the parked one goes on once when due, as if nothing had happened
    assert _succeeded_once(sfn, kept) == {"who": "ada", "before": "yes", "after": 1}


def _asking_machine(queue_url: str) -> str:
    """A wait for a reply as the flows compile it: a callback task with a timeout, its timeout and failures caught."""
    return json.dumps({"StartAt": "ask", "States": {
        "ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue_url, "MessageBody": {"token.$": "$$.Task.Token",
                                                                      "name.$": "$$.Execution.Name"}},
                "TimeoutSecondsPath": "$.timeout_s", "ResultPath": "$.reply", "Next": "replied",
                "Retry": [{"ErrorEquals": ["LeadPilot.Transient"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.reply", "Next": "timed out"},
                          {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "failed"}]},
        "replied": {"Type": "Pass", "Result": "replied", "ResultPath": "$.path", "End": True},
        "timed out": {"Type": "Pass", "Result": "timed out", "ResultPath": "$.path", "End": True},
        "failed": {"Type": "Pass", "Result": "failed", "ResultPath": "$.path", "End": True}}})


def _tokens(sqs: Any, queue_url: str, n: int) -> dict[str, str]:
    tokens: dict[str, str] = {}

    def receive() -> bool:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(message["Body"])
            tokens[body["name"]] = body["token"]
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(tokens) >= n

    _until(receive, "every task sends its message")
    return tokens


def _ended(sfn: Any, arn: str) -> tuple[dict[str, Any], Counter[str]]:
    described = _until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                       f"{arn} ends")
    return dict(json.loads(described.get("output") or "{}")), Counter(e["type"] for e in _events(sfn, arn))


def test_reply_waits_hold_no_thread_resume_on_answers_time_out_and_survive_a_sigkill(moto: Server) -> None:
    # Given a queue and a machine that waits for a reply (parked after 2 s), and four runs waiting in it
    sfn = moto.start()
    assert moto.server is not None
    sqs = boto3.client("sqs", endpoint_url=moto.server.url, region_name="us-east-1")
    queue = sqs.create_queue(QueueName="asks")["QueueUrl"]
    machine = sfn.create_state_machine(name="asks", definition=_asking_machine(queue), roleArn=ROLE)["stateMachineArn"]
    idle = moto.threads
    timeouts = {"replied": 120, "refused": 120, "retried": 120, "silent": 4, "kept": 120}
    arns = {name: sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps({"timeout_s": seconds}))[
        "executionArn"] for name, seconds in timeouts.items()}
    tokens = _tokens(sqs, queue, len(arns))

    # When their 2 s of grace are over
    # Then they are parked: running, with no thread held (moto's own callback tasks held three each)
    _until(lambda: moto.threads < idle + 6, "the waiting runs let go of their threads")
    running = sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]
    assert {e["executionArn"] for e in running} == set(arns.values())
    # And a heartbeat is refused as moto refuses it for a task without HeartbeatSeconds, an unknown token too
    for token in (tokens["kept"], "no-such-token"):
        with pytest.raises(ClientError) as refused:
            sfn.send_task_heartbeat(taskToken=token)
        assert refused.value.response["Error"]["Code"] == "InvalidToken"

    # When one is answered, one refused, one failed with an error its Retry takes, and one left to its timeout
    sfn.send_task_success(taskToken=tokens["replied"], output=json.dumps({"text": "yes please"}))
    sfn.send_task_failure(taskToken=tokens["refused"], error="LeadPilot.Refused", cause="no")
    sfn.send_task_failure(taskToken=tokens["retried"], error="LeadPilot.Transient", cause="try again")

    # Then the retried one sends its message again with a new token, and an answer to that one goes on
    retry_token = _tokens(sqs, queue, 1)["retried"]
    assert retry_token != tokens["retried"]
    sfn.send_task_success(taskToken=retry_token, output=json.dumps({"text": "second time"}))
    output, kinds = _ended(sfn, arns["retried"])
    assert (output["path"], output["reply"], kinds["TaskFailed"], kinds["TaskSucceeded"]) == (
        "replied", {"text": "second time"}, 1, 1)

    # And each of the others goes on once, on its own path, with what ended its wait
    output, kinds = _ended(sfn, arns["replied"])
    assert (output["path"], output["reply"], kinds["TaskSucceeded"]) == ("replied", {"text": "yes please"}, 1)
    output, kinds = _ended(sfn, arns["refused"])
    assert (output["path"], output["error"]["Error"], kinds["TaskFailed"]) == ("failed", "LeadPilot.Refused", 1)
    output, kinds = _ended(sfn, arns["silent"])
    assert (output["path"], output["reply"]["Error"], kinds["TaskTimedOut"]) == ("timed out", "States.Timeout", 1)
    assert kinds["ExecutionSucceeded"] == 1

    # When moto is killed with SIGKILL and started again on the same state folder
    entered = next(e for e in _events(sfn, arns["kept"]) if e["type"] == "TaskStateEntered")
    moto.kill()
    sfn = moto.start()

    # Then the run still waiting is running again in its task since the same moment, and the others are gone
    assert sfn.describe_execution(executionArn=arns["kept"])["status"] == "RUNNING"
    back = next(e for e in _events(sfn, arns["kept"]) if e["type"] == "TaskStateEntered")
    assert (back["timestamp"], back["stateEnteredEventDetails"]) == (entered["timestamp"],
                                                                     entered["stateEnteredEventDetails"])
    with pytest.raises(ClientError) as gone:
        sfn.describe_execution(executionArn=arns["replied"])
    assert gone.value.response["Error"]["Code"] == "ExecutionDoesNotExist"
    # And the reply sent after the restart, to the token it was given before, resumes it once
    sfn.send_task_success(taskToken=tokens["kept"], output=json.dumps({"text": "later"}))
    output, kinds = _ended(sfn, arns["kept"])
    assert (output["path"], output["reply"], kinds["TaskSucceeded"]) == ("replied", {"text": "later"}, 1)
