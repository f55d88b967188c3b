"""Step Functions calls of the runtime: one state machine per published flow version, named executions,
task-token answers. botocore errors become domain errors or the runtime's own exceptions here."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from leadpilot.automation_runtime.config import RuntimeConfig

# Answering a token that is no longer waiting (timed out, run stopped, answered before) is not an error.
STALE_TOKEN = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"})


class TransientAwsError(RuntimeError):
    """A Step Functions call failed in a way a retry may fix (the queue redelivers)."""


@lru_cache(maxsize=4)
def _client(region: str) -> Any:
    return boto3.client("stepfunctions", region_name=region)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def machine_name(config: RuntimeConfig, workspace_id: str, flow_id: str, version: int) -> str:
    """Deterministic, so a retried publish updates the machine it created instead of making another."""
    return f"{config.machine_prefix}-{workspace_id}-{flow_id}-v{version}"


def put_machine(region: str, config: RuntimeConfig, name: str, definition: dict[str, Any]) -> str:
    """Create the state machine, or update it when a previous attempt already created it; returns its ARN."""
    client = _client(region)
    try:
        return str(client.create_state_machine(name=name, definition=json.dumps(definition),
                                               roleArn=config.need("role_arn"), type="STANDARD")["stateMachineArn"])
    except ClientError as exc:
        if _code(exc) != "StateMachineAlreadyExists":
            raise TransientAwsError(f"create_state_machine failed: {_code(exc)}") from exc
    arn = next(m["stateMachineArn"] for m in client.list_state_machines()["stateMachines"] if m["name"] == name)
    client.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition))
    return str(arn)


def start(region: str, machine_arn: str, name: str, payload: dict[str, Any]) -> str:
    """Start a named execution; a second start of the same name is a no-op. Returns the execution ARN."""
    execution_arn = machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    try:
        return str(_client(region).start_execution(stateMachineArn=machine_arn, name=name,
                                                   input=json.dumps(payload))["executionArn"])
    except ClientError as exc:
        if _code(exc) == "ExecutionAlreadyExists":
            return execution_arn
        raise TransientAwsError(f"start_execution failed: {_code(exc)}") from exc


def describe(region: str, execution_arn: str) -> dict[str, Any] | None:
    """The execution's status, error and cause; None when Step Functions does not know it."""
    try:
        return dict(_client(region).describe_execution(executionArn=execution_arn))
    except ClientError as exc:
        if _code(exc) == "ExecutionDoesNotExist":
            return None
        raise TransientAwsError(f"describe_execution failed: {_code(exc)}") from exc


def stop(region: str, execution_arn: str, cause: str) -> None:
    try:
        _client(region).stop_execution(executionArn=execution_arn, error="LeadPilot.Cancelled", cause=cause)
    except ClientError as exc:
        if _code(exc) not in STALE_TOKEN:
            raise TransientAwsError(f"stop_execution failed: {_code(exc)}") from exc


def succeed(region: str, token: str, output: dict[str, Any]) -> bool:
    """SendTaskSuccess; False when the token no longer waits."""
    try:
        _client(region).send_task_success(taskToken=token, output=json.dumps(output))
        return True
    except ClientError as exc:
        if _code(exc) in STALE_TOKEN:
            return False
        raise TransientAwsError(f"send_task_success failed: {_code(exc)}") from exc


def fail(region: str, token: str, error: str, cause: str) -> bool:
    """SendTaskFailure; False when the token no longer waits."""
    try:
        _client(region).send_task_failure(taskToken=token, error=error, cause=cause[:32000])
        return True
    except ClientError as exc:
        if _code(exc) in STALE_TOKEN:
            return False
        raise TransientAwsError(f"send_task_failure failed: {_code(exc)}") from exc
