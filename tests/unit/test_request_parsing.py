"""The HTTP edge: body parsing and schema errors, using the sample API Gateway event."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from chalice.app import Request

from leadpilot.api.cursors import decode_cursor, slice_page, take_page
from leadpilot.api.request import check_request_text, int_param, json_body, limit_param, load_schema
from leadpilot.errors import DomainError, InvalidJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from leadpilot.untrusted import MAX_DEPTH, check_document, loads
from tests.support.apps import ROOT

SAMPLE = json.loads((ROOT / "events" / "apigw" / "create_contact.json").read_text())
SCHEMA = load_schema("leadpilot.contacts", "contact_create")


def _request(body: str | None = None, content_type: str = "application/json", query: Any = None,
             path: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Request:
    event = copy.deepcopy(SAMPLE)
    if body is not None:
        event["body"] = body
    event["headers"]["Content-Type"] = content_type
    event["headers"].update(headers or {})
    event["multiValueQueryStringParameters"] = query
    event["pathParameters"] = path
    return Request(event)


def _error(body: str, content_type: str = "application/json", max_bytes: int = 1024) -> DomainError:
    with pytest.raises(DomainError) as err:
        json_body(_request(body, content_type), SCHEMA, max_bytes)
    return err.value


def _field(err: DomainError) -> str:
    """The field an error names: details.field (a malformed body) or the first of details.errors."""
    return str(err.details["field"]) if "field" in err.details else str(err.details["errors"][0]["field"])


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


@pytest.mark.parametrize("bad", ["²", "٣", "\uff11\uff10", "9" * 5000, "+5", " 5", "5 ", "0x10", "1_0", ""])
def test_numeric_parameters_take_ascii_digits_only(bad: str) -> None:
    # Given digits str.isdigit() accepts but int() refuses ("²"), other scripts' digits, and a number too long
    # for int() to convert
    request = _request(query={"limit": [bad], "after_row": [bad]})

    # When the parameters are read, Then each is a 422 naming it, never a ValueError
    with pytest.raises(ValidationFailed) as limit:
        limit_param(request)
    with pytest.raises(ValidationFailed) as after_row:
        int_param(request, "after_row", 0, 9)
    assert limit.value.status == 422 and _field(limit.value) == "limit"
    assert after_row.value.status == 422 and _field(after_row.value) == "after_row"


@pytest.mark.parametrize("body", ["[" * 2000 + "]" * 2000, '{"a":' * 1200 + "1" + "}" * 1200,
                                  '{"first_name": ' + "[" * 5000])
def test_json_deeper_than_the_parser_is_invalid_json(body: str) -> None:
    # Given about 2 KB (and more) of nesting: json.loads itself runs out of recursion
    # When the body is read
    err = _error(body, max_bytes=64 * 1024)

    # Then it is a 400 invalid_json naming the body
    assert isinstance(err, InvalidJson) and err.status == 400 and _field(err) == "(body)"


def test_json_nested_past_the_limit_names_the_path() -> None:
    # Given a body the parser reads but that nests one level past the limit (downstream recursion, DynamoDB)
    deep: Any = "x"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    body = json.dumps({"first_name": "Ada", "tags": deep})

    # When it is read, Then the 422 names the list that goes too deep
    err = _error(body, max_bytes=64 * 1024)
    assert isinstance(err, ValidationFailed) and _field(err) == "tags/" + "/".join(["0"] * (MAX_DEPTH - 1))

    # And exactly the limit is fine for the check itself
    assert check_document([deep[0]]) == [deep[0]]


@pytest.mark.parametrize(("body", "field"), [
    ('{"first_name": "\\ud800"}', "first_name"),
    ('{"first_name": "ok", "tags": ["fine", "\\udfff tail"]}', "tags/1"),
    ('{"\\ud83d": 1}', "\\ud83d"),
    ('"\\ud800"', "(body)"),
])
def test_lone_surrogates_are_refused_naming_the_field(body: str, field: str) -> None:
    # Given JSON text escapes that decode to a lone UTF-16 surrogate (no UTF-8 encoding exists for it)
    # When the body is read
    err = _error(body)

    # Then the 422 names the field (a key is named escaped, so the error itself is valid text)
    assert isinstance(err, ValidationFailed) and _field(err) == field
    json.dumps(err.details, ensure_ascii=False).encode("utf-8")


def test_a_surrogate_pair_is_one_valid_character() -> None:
    assert loads('{"first_name": "\\ud83d\\ude00"}') == {"first_name": "😀"}


@pytest.mark.parametrize("body", ['{"first_name": NaN}', '{"first_name": Infinity}', '{"first_name": -Infinity}',
                                  '{"first_name": 1e400}', '{"first_name": ' + "1" * 5000 + "}"])
def test_numbers_nothing_can_store_are_refused(body: str) -> None:
    # Given numbers Python's json accepts but JSON, DynamoDB or int() do not
    err = _error(body, max_bytes=64 * 1024)

    # Then each is a 4xx naming the body or the field
    assert err.status in (400, 422) and _field(err) in ("(body)", "first_name")


def test_a_lone_surrogate_anywhere_in_the_request_line_or_headers_is_named() -> None:
    # Given a surrogate in a query parameter's value, in its name, in a path parameter and in a header
    cases = [(_request(query={"q": ["ok", "a\ud800"]}), "q"), (_request(query={"\udc80": ["x"]}), "\\udc80"),
             (_request(path={"tag": "\udfff"}), "tag"), (_request(headers={"X-Name": "\ud800"}), "x-name")]
    for request, field in cases:
        # When the request is checked, Then the 422 names that parameter or header
        with pytest.raises(ValidationFailed) as err:
            check_request_text(request)
        assert _field(err.value) == field
    check_request_text(_request(query={"q": ["Zoë 😀"]}, path={"tag": "vip"}))


def test_cursors_page_through_in_order_and_end_on_the_last_page() -> None:
    # Given 5 items in order
    items = [f"{i:06d}" for i in range(5)]

    # When they are paged 2 at a time, following the cursors
    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = slice_page(items, 2, decode_cursor(cursor, str.isdecimal), lambda v: v)
        seen += page
        pages += 1
        if cursor is None:
            break

    # Then every item comes once, in order, and the last page has no cursor
    assert seen == items and pages == 3
    assert take_page(iter(items), 5, lambda v: v) == (items, None)
    with pytest.raises(ValidationFailed):
        decode_cursor("!!!")


def test_a_refused_value_is_never_quoted_back() -> None:
    # Given a sign-up whose password is too short and whose name is only spaces
    signup = load_schema("leadpilot.identity", "signup")
    body = {"email": "a@example.com", "password": "hunter2", "name": "   ", "workspace_name": "Acme"}
    # When it is validated
    with pytest.raises(ValidationFailed) as refused:
        json_body(_request(json.dumps(body)), signup, 64 * 1024)
    # Then each field is named with what it must be, and neither value appears anywhere in the answer
    errors = refused.value.details["errors"]
    assert {"field": "password", "message": "must be at least 10 characters long"} in errors
    assert {"field": "name", "message": "is not in the expected form"} in errors
    assert "hunter2" not in json.dumps(refused.value.details) + str(refused.value)
