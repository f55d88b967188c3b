"""Reading a request: JSON body with size/type checks, schema validation, query parameters."""
from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from chalice.app import Request

from leadpilot.errors import InvalidJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from leadpilot.untrusted import check_texts, loads, parse_int

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError as SchemaError


@cache
def load_schema(package: str, name: str) -> Draft202012Validator:
    """Load and compile a JSON Schema kept next to the code that owns it."""
    from jsonschema import Draft202012Validator, FormatChecker  # lazy: ~100 ms of cold start, paid on first use

    text = resources.files(package).joinpath("schemas", f"{name}.json").read_text()
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _field_of(error: SchemaError) -> tuple[str, str]:
    path = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        field = "/".join(filter(None, [path, extra[0] if extra else ""]))
        return field, "unknown field"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return "/".join(filter(None, [path, missing])), "is required"
    if error.validator == "type":
        return path or "(body)", f"must be of type {error.validator_value}"
    # jsonschema's own messages quote the value: a password must never come back in an error (nor a log line).
    worded = _WITHOUT_VALUE.get(str(error.validator))
    if worded is not None:
        return path or "(body)", worded.format(error.validator_value)
    return path or "(body)", error.message


_WITHOUT_VALUE = {
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "pattern": "is not in the expected form",
    "format": "is not a valid {}",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
}


def validate(data: Any, validator: Draft202012Validator) -> None:
    """Raise ValidationFailed listing every invalid field, each named by its path."""
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.validator))
    if not errors:
        return
    listed = []
    for err in errors:
        field, message = _field_of(err)
        listed.append({"field": field, "message": message})
    first = listed[0]
    raise ValidationFailed(f"{first['field']}: {first['message']}", {"errors": listed})


def raw_body(request: Request, max_bytes: int) -> bytes:
    """The body's bytes, at most `max_bytes` (else 413)."""
    try:
        body = request.raw_body or b""
    except UnicodeEncodeError as exc:  # an event body holding a lone surrogate: no HTTP client can send it
        raise InvalidJson("body is not valid UTF-8 text", {"field": "(body)"}) from exc
    raw = body.encode() if isinstance(body, str) else bytes(body)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"body is larger than {max_bytes} bytes", {"limit_bytes": max_bytes})
    return raw


def json_body(request: Request, validator: Draft202012Validator, max_bytes: int) -> dict[str, Any]:
    """Parse and validate a JSON object body; every failure is a 4xx that names the problem."""
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip()
    if content_type.lower() != "application/json":
        raise UnsupportedMediaType("Content-Type must be application/json",
                                   {"field": "Content-Type", "received": content_type})
    raw = raw_body(request, max_bytes)
    if not raw.strip():
        raise InvalidJson("request body is empty; a JSON object is expected", {"field": "(body)"})
    data = loads(raw)
    if not isinstance(data, dict):
        raise InvalidJson("body must be a JSON object", {"field": "(body)"})
    validate(data, validator)
    return data


def check_request_text(request: Request) -> None:
    """Refuse a lone surrogate in any path parameter, query parameter or header, naming it (422)."""
    check_texts((request.uri_params or {}).items())
    params = request.query_params
    if params is not None:
        check_texts((name, value) for name in params for value in params.getlist(name))
    check_texts((request.headers or {}).items())


def query_param(request: Request, name: str) -> str | None:
    """One query parameter (the last value when repeated), or None."""
    params = request.query_params
    return params.get(name) if params is not None else None


def int_param(request: Request, name: str, minimum: int, maximum: int) -> int | None:
    """An integer query parameter in minimum..maximum (ASCII digits only), None when absent, else a 422."""
    raw = query_param(request, name)
    return None if raw is None else parse_int(raw, name, minimum, maximum)


def limit_param(request: Request, default: int = 50, maximum: int = 200) -> int:
    """The `limit` query parameter as an int in 1..maximum, else a 422 naming it."""
    value = int_param(request, "limit", 1, maximum)
    return default if value is None else value


def base_url(request: Request) -> str:
    """The API's base URL as the caller reached it (scheme, host and what precedes the route), "" without a Host.

    Functions serving routes learn it from the request, not from the template: the API refers to every function
    it invokes, so telling them the API's id would be a dependency cycle (CloudFormation refuses it). API Gateway
    delivers the Host the caller used, X-Forwarded-Proto, and requestContext.path, the path as the caller sent it:
    with the stage on the execute-api domain (`/prod/contacts/c1`), the base path on a custom domain
    (`/v1/contacts/c1`), bare on the local gateway (`/contacts/c1`).
    """
    headers: Mapping[str, str] = request.headers or {}
    host = headers.get("host")
    if not host:
        return ""
    proto = (headers.get("x-forwarded-proto") or "https").split(",")[0].strip().lower()
    context = request.context or {}
    route = str(context.get("resourcePath") or request.path)
    seen = str(context.get("path") or route)
    return f"{proto}://{host}{_prefix(seen, route)}"


def _prefix(seen: str, route: str) -> str:
    """The segments of the requested path before the route's own (each segment of a route is one segment of the
    path, whatever its parameters hold: the template declares no greedy `{proxy+}` route)."""
    seen_parts, route_parts = seen.rstrip("/").split("/"), route.rstrip("/").split("/")
    extra = len(seen_parts) - len(route_parts)
    return "/".join(seen_parts[: extra + 1]) if extra > 0 else ""


def source_ip(request: Request) -> str | None:
    """The caller's address as API Gateway saw the connection (never a client-sent X-Forwarded-For)."""
    identity = (request.context or {}).get("identity") or {}
    value = identity.get("sourceIp") if isinstance(identity, dict) else None
    return str(value)[:64] if value else None
