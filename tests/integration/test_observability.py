"""Powertools as its users expect: the function's service name, Lambda context on logs, metrics flushed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from leadpilot.observability import logger, metrics
from tests.support.apps import ROOT, Api, load_module


class FakeContext:
    """What the Lambda runtime passes to a handler (the fields Powertools reads)."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())


def _service_name(env: dict[str, str]) -> str:
    code = "from leadpilot.observability import logger, tracer; print(logger.service, tracer().service)"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def test_the_logger_and_tracer_take_the_functions_service_name() -> None:
    # Given a function whose template environment names its service, and a process that names none
    env = {"PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    named = _service_name({**env, "POWERTOOLS_SERVICE_NAME": "contacts"})
    unnamed = _service_name({**env, "POWERTOOLS_SERVICE_NAME": ""})

    # Then each log line and trace says which function it came from; a shared process says leadpilot
    assert named == "contacts contacts"
    assert unnamed == "leadpilot leadpilot"


def test_a_scheduled_handler_logs_with_the_lambda_request_id(cloud: Any) -> None:
    # Given the task reminders function invoked by Lambda with its context
    context = FakeContext("leadpilot-test-TaskRemindersFunction")

    # When it runs
    load_module("functions/tasks").fire_reminders({"source": "aws.events"}, context)

    # Then the lines it logs carry the invocation's request id and function name
    keys = logger.get_current_keys()
    assert keys["function_request_id"] == context.aws_request_id
    assert keys["function_name"] == context.function_name


def test_a_routes_business_metric_is_flushed_at_the_end_of_the_request(cloud: Any, api: Api,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capfd: pytest.CaptureFixture[str]) -> None:
    # Given metrics switched on (tests keep them off)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capfd.readouterr()

    # When a workspace signs up (one business event: WorkspaceSignedUp)
    reply = api.post("/auth/signup", {"workspace_name": "Metrics", "email": "owner@metrics.test",
                                      "password": "correct-horse-battery", "name": "Owner",
                                      "default_region": "US", "timezone": "America/New_York"})

    # Then the response is sent and the metric went out once, as CloudWatch EMF, with nothing left behind
    assert reply.status == 201
    emf = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    names = [m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    assert names.count("WorkspaceSignedUp") == 1
    assert metrics.metric_set == {}
