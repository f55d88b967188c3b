"""Give each integration test an empty AWS without provisioning the template again.

Provisioning every table, queue, bus, rule and state machine of template.yaml costs a few hundred
milliseconds; emptying what a test wrote costs a few. `fresh_state` puts moto's in-process backends
back to "just provisioned": every item, message, sent email, object and execution a test left is
gone, and resources a test created (flow machines) are deleted, while the template's resources stay.
`intact` tells when a test reset moto itself (its own `mock_aws`), so the caller provisions again.
"""
from __future__ import annotations

import copy
import time
from typing import Any

from infra.local.model import Deployment

ACCOUNT, REGION = "123456789012", "us-east-1"


def _dynamodb() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION]


def _sqs() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT][REGION]


def _stepfunctions() -> Any:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return stepfunctions_parser_backends[ACCOUNT][REGION]


def _names(deployment: Deployment, kind: str) -> set[str]:
    return {r.name for r in deployment.resources.values() if r.type == kind}


def keep_one_set_of_moto_callbacks() -> None:
    """moto 5.2 adds its 1,288 `responses` callbacks (the URL patterns through which it answers calls made with
    `requests`, such as the Twilio client's) each time a mock starts without a reset, and never removes them: a
    worker that starts the mock for each of 300 tests held 387,000 of them (0.5 MB a start), and each `requests`
    call walked them all (62 ms a call, against 3 ms). A start without a reset keeps the set already there;
    a start with one (which empties the registry) adds it again, as moto does."""
    from moto.core.models import MockAWS, botocore_stubber, responses_mock

    enable = MockAWS._enable_patching
    if getattr(enable, "_leadpilot_once", False):
        return

    def enable_once(self: Any, reset: bool = True) -> None:
        if reset or not responses_mock.registered():
            enable(self, reset)
            return
        botocore_stubber.enabled = True
        responses_mock.start()

    enable_once._leadpilot_once = True  # type: ignore[attr-defined]
    MockAWS._enable_patching = enable_once  # type: ignore[method-assign]


def intact(deployment: Deployment) -> bool:
    """True when every table, queue and state machine the template declares still exists in moto."""
    machines = {m.name for m in _stepfunctions().state_machines}
    return (_names(deployment, "AWS::DynamoDB::Table") <= set(_dynamodb().tables)
            and _names(deployment, "AWS::SQS::Queue") <= set(_sqs().queues)
            and _names(deployment, "AWS::StepFunctions::StateMachine") <= machines)


def fresh_state(deployment: Deployment) -> None:
    """Empty what tests write; keep what the template provisioned."""
    _stop_executions(deployment)
    for table in _dynamodb().tables.values():
        table.items.clear()
        table.__dict__.pop("_leadpilot_sorted_items", None)  # infra.local.moto_main's cached sort
    for queue in _sqs().queues.values():
        queue._messages = []
        queue._pending_messages = set()
    _empty_email_and_files()
    _empty_schedules()


def _empty_schedules() -> None:
    """One-off schedules functions made (webhook retries); the template's groups stay."""
    from moto.scheduler.models import scheduler_backends

    for group in scheduler_backends[ACCOUNT][REGION].schedule_groups.values():
        group.schedules.clear()


def _stop_executions(deployment: Deployment) -> None:
    backend = _stepfunctions()
    kept = _names(deployment, "AWS::StepFunctions::StateMachine")
    for machine in list(backend.state_machines):
        for execution in machine.executions:
            if execution.status == "RUNNING":
                _stop(backend, execution.execution_arn)
        machine.executions.clear()
        if machine.name not in kept:
            backend.state_machines.remove(machine)


def _stop(backend: Any, arn: str) -> None:
    """Stop an execution: it sends nothing more (a thread waiting on a callback lingers until the task times
    out, then fails: measured with moto 5.2.5). One started a moment ago may not have its worker's environment
    yet (moto then fails on None): it gets a second to set it up."""
    for _ in range(50):
        try:
            backend.stop_execution(arn)
            return
        except AttributeError:
            time.sleep(0.02)
    backend.stop_execution(arn)


def _empty_email_and_files() -> None:
    from moto.s3.models import s3_backends
    from moto.ses.models import ses_backends

    ses_backends[ACCOUNT][REGION].reset()  # sent mail and verified identities (the template provisions no SES)
    s3 = s3_backends[ACCOUNT]["aws"]
    for bucket in s3.buckets.values():
        for key in list(bucket.keys):
            s3.delete_object(bucket.name, key)


def save_tables() -> dict[str, Any]:
    """A deep copy of every table's items, to put back with `restore_tables`."""
    return {name: copy.deepcopy(table.items) for name, table in _dynamodb().tables.items()}


def restore_tables(saved: dict[str, Any]) -> None:
    """Every table holds again what it held when `saved` was taken (and nothing else)."""
    for name, table in _dynamodb().tables.items():
        table.items = copy.deepcopy(saved.get(name)) if name in saved else type(table.items)(dict)
        table.__dict__.pop("_leadpilot_sorted_items", None)
