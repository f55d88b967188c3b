"""Property-based fuzz of every route in the OpenAPI document: no 5xx, every refusal in the one error shape.

schemathesis generates each operation's requests from the document (valid ones, and ones that break
the schema: wrong types, unknown fields, junk headers and query strings), with path ids that are
random or those of a real workspace's resources; the in-process apps answer them as API Gateway
would route them. Few examples per route and a fixed seed keep it bounded and repeatable.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from schemathesis import GenerationMode

from leadpilot.api import openapi
from tests.integration import isolation
from tests.integration.conftest import sign_up
from tests.support.apps import Api, Reply
from tests.support.calendars import fake_calendars

EXAMPLES = 4  # per route and per id source (random / the workspace's own)
ERROR_KEYS = {"code", "message", "details"}


def _request(case: Any, token: str | None) -> tuple[str, str, dict[str, str], str | None]:
    """The generated case as method, path?query, headers and raw body; credentials replaced by the workspace's."""
    sent = case.as_transport_kwargs(base_url="http://api.test")
    url = urlsplit(sent["url"])
    query = urlencode(sent.get("params") or {}, doseq=True, quote_via=quote)
    headers = {k: str(v) for k, v in sent["headers"].items() if k.lower() not in ("authorization", "x-api-key")}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body: str | None = None
    if "json" in sent:
        body = json.dumps(sent["json"])
    elif isinstance(sent.get("data"), dict):
        body = urlencode(sent["data"], doseq=True)
    elif sent.get("data") is not None:
        data = sent["data"]
        body = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    return sent["method"], url.path + (f"?{query}" if query else ""), headers, body


def _problem(reply: Reply, operation: dict[str, Any], components: dict[str, Any]) -> str | None:
    """Why a reply breaks the contract (a 5xx, an error of another shape, a 2xx unlike the document), or None."""
    if reply.status >= 500:
        return "a 5xx"
    content = operation["responses"].get(str(reply.status), {}).get("content", {})
    if reply.status < 300 and "application/json" in content:
        schema = {**content["application/json"]["schema"], "components": components}
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        errors = [e.message for e in validator.iter_errors(reply.body)]
        return f"a body outside the documented response schema: {errors[:3]}" if errors else None
    if reply.status >= 400:
        error = reply.body.get("error") if isinstance(reply.body, dict) else None
        if set(reply.body or {}) != {"error"} or not isinstance(error, dict) or set(error) != ERROR_KEYS:
            return "an error body outside {'error': {code, message, details}}"
        if not isinstance(error["details"], dict):
            return "error details that are not an object"
    return None


def test_every_route_survives_generated_and_hostile_input(api: Api) -> None:
    # Given a workspace holding one of every resource, and a second session of its owner for /auth/logout
    owner = sign_up(api, "Fuzz")
    token = owner["access_token"]
    ids: dict[str, str] = {}
    for module in isolation.modules():
        ids.update(module.seed(api, token))
    schema = schemathesis.openapi.from_dict(openapi.document())
    failures: list[str] = []
    reached: set[str] = set()

    # When every operation of the document gets generated requests (a connection's calendars are read from the
    # provider: a fake one serves them, as Google's would; a provider that is down is a 503 by design)
    with fake_calendars(None):
        _fuzz_all(api, schema, ids, owner, failures, reached)

    # Then no request got a 5xx or an error of another shape, and every route was reached
    assert reached == {f"{m.upper()} {p}" for p, item in openapi.document()["paths"].items() for m in item}
    assert not failures, "\n".join(failures[:20])


def _fuzz_all(api: Api, schema: Any, ids: dict[str, str], owner: dict[str, Any], failures: list[str],
              reached: set[str]) -> None:
    """Generated requests for every operation, with random ids and with the workspace's own."""
    token = owner["access_token"]
    for result in schema.get_all_operations():
        operation = result.ok()
        public = operation.definition.raw.get("security") == []
        known = {name: ids[name] for name in re.findall(r"\{([^}]+)\}", operation.path) if name in ids}
        sources = [st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))]
        if known:
            sources.append(st.one_of(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
                                     operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known)))
        credential = None if public else (_second_session(api, owner) if operation.path == "/auth/logout" else token)
        for strategy in sources:
            _fuzz(api, strategy, credential, failures)
        reached.add(f"{operation.method.upper()} {operation.path}")


def _fuzz(api: Api, strategy: Any, token: str | None, failures: list[str]) -> None:
    components = openapi.document()["components"]

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def one(case: Any) -> None:
        method, path, headers, body = _request(case, token)
        reply = api.call(method, path, headers=headers, raw=body or "")
        problem = _problem(reply, case.operation.definition.raw, components)
        if problem:
            failures.append(f"{problem}: {method} {path[:200]} body={(body or '')[:200]!r} -> {reply!r}")

    one()


def _second_session(api: Api, owner: dict[str, Any]) -> str:
    reply = api.post("/auth/login", {"email": owner["user"]["email"], "password": "correct-horse-battery"})
    assert reply.status == 200, reply
    return str(reply.body["access_token"])
