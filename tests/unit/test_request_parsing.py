"""The HTTP edge: body parsing and schema errors, using the sample API Gateway event."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from chalice.app import Request

from leadpilot.api.request import json_body, limit_param, load_schema
from leadpilot.errors import DomainError, InvalidJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from tests.support.apps import ROOT

SAMPLE = json.loads((ROOT / "events" / "apigw" / "create_contact.json").read_text())
SCHEMA = load_schema("leadpilot.contacts", "contact_create")


def _request(body: str | None = None, content_type: str = "application/json", query: Any = None) -> Request:
    event = copy.deepcopy(SAMPLE)
    if body is not None:
        event["body"] = body
    event["headers"]["Content-Type"] = content_type
    event["multiValueQueryStringParameters"] = query
    return Request(event)


def _error(body: str, content_type: str = "application/json") -> DomainError:
    with pytest.raises(DomainError) as err:
        json_body(_request(body, content_type), SCHEMA, 1024)
    return err.value


def test_the_sample_event_parses() -> None:
    assert json_body(_request(), SCHEMA, 64 * 1024)["first_name"] == "Ada"


def test_malformed_json_says_where() -> None:
    err = _error('{"first_name": "A",}')
    assert isinstance(err, InvalidJson) and err.details["line"] == 1


@pytest.mark.parametrize("body", ["[]", "42", '"text"', "null", ""])
def test_body_must_be_an_object(body: str) -> None:
    assert isinstance(_error(body), InvalidJson)


def test_too_large_and_wrong_media_type() -> None:
    assert isinstance(_error(json.dumps({"first_name": "x" * 2000})), PayloadTooLarge)
    assert isinstance(_error("{}", "text/plain"), UnsupportedMediaType)
    assert _error("{}", "text/plain").status == 415


def test_every_bad_field_is_listed_by_path() -> None:
    err = _error(json.dumps({"first_name": 1, "tags": ["ok", 5], "shoe_size": 9}))
    assert isinstance(err, ValidationFailed) and err.status == 422
    fields = {e["field"]: e["message"] for e in err.details["errors"]}
    assert fields == {"first_name": "must be of type string", "tags/1": "must be of type string",
                      "shoe_size": "unknown field"}


def test_limit_parameter() -> None:
    assert limit_param(_request(query={"limit": ["10"]})) == 10
    assert limit_param(_request()) == 50
    for bad in ("0", "201", "ten", "-1"):
        with pytest.raises(ValidationFailed) as err:
            limit_param(_request(query={"limit": [bad]}))
        assert err.value.details["errors"][0]["field"] == "limit"
