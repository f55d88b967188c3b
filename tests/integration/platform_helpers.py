"""Helpers of the platform-administration tests (no tests here): an administrator, the jobs worker."""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from leadpilot.api import openapi
from leadpilot.identity.platform import set_platform_admin
from tests.integration.conftest import drain_queue, sign_up
from tests.support.apps import Api, load_module


def platform_admin(api: Api) -> dict[str, Any]:
    """A new workspace whose owner is a platform administrator, logged in again (the flag is read at login)."""
    made = sign_up(api, "Platform")
    set_platform_admin(made["user"]["email"])
    login = api.post("/auth/login", {"email": made["user"]["email"], "password": "correct-horse-battery"})
    assert login.status == 200, login
    return {**made, **login.body}


def run_jobs(cloud: Any) -> int:
    """Play the jobs worker until its queue is empty."""
    return drain_queue(cloud, "JobsQueue", load_module("functions/jobs").run_job_chunk)


def as_documented(method: str, path: str, reply: Any) -> list[str]:
    """Where the answer differs from the response schema the OpenAPI document gives the route."""
    document = openapi.document()
    schema = document["paths"][path][method.lower()]["responses"][str(reply.status)]["content"]["application/json"]
    validator = Draft202012Validator({**schema["schema"], "components": document["components"]},
                                     format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(reply.body)]
