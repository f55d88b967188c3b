"""Step Functions calls of the runtime: one state machine per published flow version, named executions,
task-token answers. botocore errors become domain errors or the runtime's own exceptions here."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from leadpilot.automation.runs.config import RuntimeConfig

# Answering a token that is no longer waiting (timed out, run stopped, answered before) is not an error.
STALE_TOKEN = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"})
# The execution (or its whole machine: the local cloud restarted) is not known to Step Functions.
GONE = frozenset({"ExecutionDoesNotExist", "StateMachineDoesNotExist"})
ENTRY_SUFFIX = "-entry"

_CLIENT_LOCK = threading.Lock()


class TransientAwsError(RuntimeError):
    """A Step Functions call failed in a way a retry may fix (the queue redelivers)."""


def _client(region: str) -> Any:
    # Made under a lock: batched enrolment's pool calls this from several threads, and
    # boto3's default session is not safe to first use from several at once.
    with _CLIENT_LOCK:
        return _made_client(region)


@lru_cache(maxsize=4)
def _made_client(region: str) -> Any:
    return boto3.client("stepfunctions", region_name=region)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def machine_name(config: RuntimeConfig, workspace_id: str, flow_id: str, version: int) -> str:
    """Deterministic, so a retried publish updates the machine it created instead of making another."""
    return f"{config.machine_prefix}-{workspace_id}-{flow_id}-v{version}"


def entry_machine(machine_arn: str) -> str:
    """The ARN of a version's entry machine (restarts, resumes, recoveries: it can start at any node) from the
    ARN of its machine for new runs; made from the version's document when first needed."""
    return f"{machine_arn}{ENTRY_SUFFIX}"


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


def start(region: str, machine_arn: str, name: str, payload: dict[str, Any],
          restore: Callable[[], object] | None = None) -> str:
    """Start a named execution; a second start of the same name is a no-op. Returns the execution ARN.

    When the machine is gone (a local-cloud restart), `restore` re-creates it and the start is tried again."""
    execution_arn = machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    try:
        return str(_client(region).start_execution(stateMachineArn=machine_arn, name=name,
                                                   input=json.dumps(payload))["executionArn"])
    except ClientError as exc:
        if _code(exc) == "ExecutionAlreadyExists":
            return execution_arn
        if _code(exc) == "StateMachineDoesNotExist" and restore is not None:
            restore()
            return start(region, machine_arn, name, payload)
        raise TransientAwsError(f"start_execution failed: {_code(exc)}") from exc


def describe(region: str, execution_arn: str) -> dict[str, Any] | None:
    """The execution's status, error and cause; None when Step Functions does not know it (or its machine)."""
    try:
        return dict(_client(region).describe_execution(executionArn=execution_arn))
    except ClientError as exc:
        if _code(exc) in GONE:
            return None
        raise TransientAwsError(f"describe_execution failed: {_code(exc)}") from exc


def machine_exists(region: str, machine_arn: str) -> bool:
    try:
        _client(region).describe_state_machine(stateMachineArn=machine_arn)
        return True
    except ClientError as exc:
        if _code(exc) in GONE:
            return False
        raise TransientAwsError(f"describe_state_machine failed: {_code(exc)}") from exc


def wait_seconds(region: str, machine_arn: str, state: str) -> int | None:
    """A Wait state's `Seconds` in the machine's definition (as compiled, time scale included); None when the
    state is not a fixed wait or the machine is gone."""
    try:
        definition = json.loads(_client(region).describe_state_machine(stateMachineArn=machine_arn)["definition"])
    except ClientError as exc:
        if _code(exc) in GONE:
            return None
        raise TransientAwsError(f"describe_state_machine failed: {_code(exc)}") from exc
    found = definition.get("States", {}).get(state) or {}
    return int(found["Seconds"]) if found.get("Type") == "Wait" and "Seconds" in found else None


def running_executions(region: str, machine_arn: str, between_pages: Callable[[], object] | None = None) -> set[str]:
    """ARNs of the machine's running executions (empty when the machine is gone); `between_pages` is called
    after each page but the last."""
    paginator, found = _client(region).get_paginator("list_executions"), set()
    try:
        for page in paginator.paginate(stateMachineArn=machine_arn, statusFilter="RUNNING"):
            found |= {str(e["executionArn"]) for e in page["executions"]}
            if between_pages is not None and page.get("nextToken"):
                between_pages()
    except ClientError as exc:
        if _code(exc) in GONE:
            return set()
        raise TransientAwsError(f"list_executions failed: {_code(exc)}") from exc
    return found


def history(region: str, execution_arn: str, newest: int | None = None) -> list[dict[str, Any]]:
    """The execution's history events, oldest first (only about the `newest` last ones when given); [] when
    the execution is gone."""
    client, events, token = _client(region), [], None
    try:
        while True:
            kwargs: dict[str, Any] = {"executionArn": execution_arn, "reverseOrder": newest is not None,
                                      "maxResults": min(newest or 1000, 1000)}
            page = client.get_execution_history(**kwargs, **({"nextToken": token} if token else {}))
            events += page["events"]
            token = page.get("nextToken")
            if not token or (newest is not None and len(events) >= newest):
                break
    except ClientError as exc:
        if _code(exc) in GONE:
            return []
        raise TransientAwsError(f"get_execution_history failed: {_code(exc)}") from exc
    return sorted(events, key=lambda e: int(e["id"]))


def stop(region: str, execution_arn: str, cause: str, error: str = "LeadPilot.Cancelled") -> None:
    try:
        _client(region).stop_execution(executionArn=execution_arn, error=error, cause=cause)
    except ClientError as exc:
        if _code(exc) not in STALE_TOKEN | GONE:
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
