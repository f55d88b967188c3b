"""The OpenAPI document: valid 3.1, up to date, the same routes as the template and the apps, true responses."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from chalice import Chalice
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from infra import openapi as command
from leadpilot.api import openapi
from leadpilot.api.edge import Edge
from leadpilot.identity.platform import set_platform_admin
from tests.integration import isolation
from tests.integration.conftest import drain_queue, sign_up
from tests.integration.isolation.automations import FLOW
from tests.support.apps import Api, chalice_apps, load_module, template_routes
from tests.support.calendars import fake_calendars


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return openapi.build(chalice_apps().values())


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_the_document_is_valid_openapi_3_1(built: dict[str, Any]) -> None:
    # Given the document built from the apps / When the reference validator reads it / Then it passes
    validate(built)
    assert built["openapi"] == "3.1.0"


def test_operation_ids_are_unique(built: dict[str, Any]) -> None:
    # Generated clients name a call by its operationId: two routes with one id would share a type (and a method)
    ids = Counter(op["operationId"] for item in built["paths"].values() for op in item.values()
                  if isinstance(op, dict) and "operationId" in op)
    assert [name for name, count in ids.items() if count > 1] == []


def test_the_shipped_document_is_the_one_the_apps_build(built: dict[str, Any]) -> None:
    # Given the document shipped in the layer and served at GET /openapi.json
    shipped = openapi.document()
    # Then it is exactly what the apps build today (else: python -m infra.openapi)
    assert shipped == built, "shared/leadpilot/api/schemas/openapi.json is out of date: run python -m infra.openapi"
    assert command.main(["--check"]) == 0


def test_document_template_and_apps_declare_the_same_routes(built: dict[str, Any]) -> None:
    # Given the three route tables
    in_template = {(r.method, r.path) for r in template_routes()}
    in_apps = {(m, path) for app in chalice_apps().values() for path, methods in app.routes.items() for m in methods}
    # Then they are one and the same
    assert _operations(built) == in_template == in_apps


def test_routes_document_what_their_source_reads(built: dict[str, Any]) -> None:
    # Given routes that validate a body, page with limit/cursor, filter by a query parameter or are public
    paths = built["paths"]
    create = paths["/contacts"]["post"]
    listing = {p["name"]: p["schema"] for p in paths["/contacts"]["get"]["parameters"]}
    board = {p["name"]: p["schema"] for p in paths["/pipelines/{pipeline_id}/board"]["get"]["parameters"]}
    runs = {p["name"] for p in paths["/flows/{flow_id}/runs"]["get"]["parameters"]}
    deals = {p["name"] for p in paths["/deals"]["get"]["parameters"]}
    # Then the document says exactly that
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ContactCreate"}
    assert built["components"]["schemas"]["ContactCreate"]["additionalProperties"] is False
    assert listing["limit"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert board["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    assert "cursor" in listing and {"flow_id", "status", "limit", "cursor"} <= runs
    assert {"pipeline_id", "stage_id", "status", "owner_id", "contact_id"} <= deals
    assert create["security"] == [{"bearerAuth": []}, {"apiKey": []}]
    assert paths["/auth/login"]["post"]["security"] == []
    assert create["responses"]["4XX"] == {"$ref": "#/components/responses/Error"}
    assert set(paths["/contacts/{contact_id}"]["delete"]["responses"]) == {"204", "4XX"}
    assert "text/xml" in paths["/webhooks/twilio/sms"]["post"]["responses"]["200"]["content"]


def test_flow_document_definitions_move_to_components() -> None:
    # Given a schema with $defs and local $refs
    components: dict[str, Any] = {}
    ref = openapi._component("leadpilot.automation.flows", "flow", components)
    # Then its definitions sit beside it in the components and every $ref points there
    assert ref == {"$ref": "#/components/schemas/Flow"}
    refs = re.findall(r"'\$ref': '([^']+)'", str(components))
    assert refs and all(r.removeprefix("#/components/schemas/") in components for r in refs)
    assert "$defs" not in components["Flow"] and "Flow.duration" in components


raw_app = Chalice(app_name="leadpilot-raw")
raw_edge = Edge(raw_app, "leadpilot.contacts")


@raw_edge.route("/undeclared", "GET")
def undeclared() -> dict[str, Any]:
    request = raw_app.current_request
    assert request is not None
    return {"params": dict(request.query_params or {})}


def test_a_route_reading_the_raw_request_must_be_declared() -> None:
    # Given a route whose source reads the raw query string / When the document is built / Then it is refused
    with pytest.raises(ValueError, match=r"GET /undeclared reads the raw request \(query\)"):
        openapi.build([raw_app])


def _validator(built: dict[str, Any], method: str, path: str, status: str) -> Draft202012Validator:
    schema = built["paths"][path][method.lower()]["responses"][status]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": built["components"]}, format_checker=FormatChecker())


# Routes that answer only for one contact: the query string naming it.
_BY_CONTACT = ("/runs", "/notes")
_QUERIES = {"/platform/usage/monthly-reports": "?month=2026-10"}


def test_main_resources_answer_as_the_document_says(api: Api, cloud: Any, built: dict[str, Any]) -> None:
    # Given a workspace holding one of every resource, its export job done (so it has a file to download), whose
    # owner is a platform administrator (for the platform's routes), a month's usage report and a reconciliation
    owner = sign_up(api, "Alpha")
    set_platform_admin(owner["user"]["email"])
    token = api.post("/auth/login", {"email": owner["user"]["email"], "password": "correct-horse-battery"}
                     ).body["access_token"]
    ids: dict[str, str] = {}
    for module in isolation.modules():
        ids.update(module.seed(api, token))
    drain_queue(cloud, "JobsQueue", load_module("functions/jobs").run_job_chunk)
    me = api.get("/me", token=token).body
    assert api.post("/platform/usage/monthly-reports", {"month": "2026-10"}, token=token).status == 201
    load_module("functions/usage").reconcile_usage({}, None)
    created = {"/contacts": {"first_name": "Ada"}, "/tasks": {"title": "Call Ada"},
               "/pipelines": {"name": "Sales"}, "/flows": FLOW,
               "/platform/impersonations": {"workspace_id": me["workspace"]["id"], "user_id": me["principal"]["id"],
                                            "reason": "Checking the document"}}
    admin = _platform_admin(api)
    checked = 0
    # (a connection's calendars are listed from the provider: a fake one serves them)
    with fake_calendars(None):
        # When each documented resource route is called (the platform's by a platform admin)
        for (method, path), _declared in openapi.RESPONSES.items():
            credential = admin if path.startswith("/platform/") else token
            if method == "GET":
                concrete = re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], path)
                query = f"?contact_id={ids['contact_id']}" if path in _BY_CONTACT else _QUERIES.get(path, "")
                reply = api.get(concrete + query, token=credential)
            elif path in created:
                reply = api.post(path, created[path], token=credential)
            else:
                continue
            # Then the body matches the response schema of the document
            assert reply.status in (200, 201), (method, path, reply)
            errors = list(_validator(built, method, path, str(reply.status)).iter_errors(reply.body))
            assert not errors, (method, path, [e.message for e in errors])
            checked += 1
    assert checked >= 15


def _platform_admin(api: Api) -> str:
    """The access token of a platform administrator (of a workspace of their own)."""
    email = sign_up(api, "Platform")["user"]["email"]
    set_platform_admin(email)
    return str(api.post("/auth/login", {"email": email, "password": "correct-horse-battery"}).body["access_token"])


def test_the_deployed_api_serves_its_document_without_credentials(api: Api) -> None:
    # When anyone fetches /openapi.json from the API, as API Gateway passes it on
    reply = api.get("/openapi.json", headers={"Host": "abc.execute-api.us-east-1.amazonaws.com"})
    # Then it is the shipped document, naming the API it came from as its server
    assert reply.status == 200
    assert reply.body == {**openapi.document(), "servers": [{"url": "https://abc.execute-api.us-east-1.amazonaws.com"}]}
