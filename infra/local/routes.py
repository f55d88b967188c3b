"""API Gateway REST (v1): match a request to an Api event and build the proxy event."""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote

from infra.local.model import FunctionSpec

_PARAM = re.compile(r"\{([^}/]+?)(\+?)\}")


@dataclass(frozen=True)
class Route:
    """One Api event of one function, with the regex that matches its resource path."""

    function_id: str
    resource: str
    method: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    specificity: tuple[int, int, int]


@dataclass(frozen=True)
class Match:
    """The route a request goes to and its decoded path parameters."""

    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    """All Api routes of a deployment; picks the most specific resource like API Gateway."""

    def __init__(self, functions: Iterable[FunctionSpec]) -> None:
        self.routes = sorted(
            (_compile(spec.logical_id, api.path, api.method) for spec in functions for api in spec.api_routes),
            key=lambda route: route.specificity,
        )

    def match(self, method: str, path: str) -> Match | int:
        """The matching route, or 404 (no resource) / 405 (resource without that method)."""
        # Matching works on the raw path so that an encoded "/" stays inside one segment.
        # Like API Gateway, the most specific resource is chosen first, then its method.
        resource = next((r.resource for r in self.routes if r.pattern.fullmatch(path)), None)
        if resource is None:
            return 404
        for route in self.routes:
            found = route.pattern.fullmatch(path) if route.resource == resource else None
            if found and route.method in (method, "ANY"):
                params = {name: unquote(value) for name, value in zip(route.names, found.groups(), strict=True)}
                return Match(route, params)
        return 405

    def methods_for(self, path: str) -> list[str]:
        """Methods of the resource that matches this path (for the Allow header of a 405)."""
        resource = next((r.resource for r in self.routes if r.pattern.fullmatch(path)), None)
        return sorted({route.method for route in self.routes if route.resource == resource})


def _compile(function_id: str, resource: str, method: str) -> Route:
    names: list[str] = []
    parts: list[str] = []
    last = 0
    greedy = 0
    for param in _PARAM.finditer(resource):
        parts.append(re.escape(resource[last : param.start()]))
        names.append(param.group(1))
        greedy += bool(param.group(2))
        parts.append("(.+)" if param.group(2) else "([^/]+)")
        last = param.end()
    parts.append(re.escape(resource[last:]))
    literal = len(_PARAM.sub("", resource))
    # Fewer greedy params, then fewer params, then longer literal text: most specific first.
    specificity = (greedy, len(names), -literal)
    return Route(function_id, resource, method, re.compile("".join(parts)), tuple(names), specificity)


def _single_and_multi(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    # API Gateway sends null (not {}) when there is nothing, and the last value wins in the
    # single-value map.
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def build_rest_event(
    match: Match,
    method: str,
    raw_path: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str,
    stage: str,
    account_id: str,
    api_id: str = "local",
) -> dict[str, object]:
    """The API Gateway REST proxy event (payload 1.0) for one request."""
    path = unquote(raw_path)
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(parse_qsl(query, keep_blank_values=True))
    lowered = {key.lower(): value for key, value in headers}
    now = datetime.now(UTC)
    text: str | None = None
    is_base64 = False
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode("ascii"), True
    return {
        "resource": match.route.resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid4().hex[:6],
            "resourcePath": match.route.resource,
            "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            # The path as the client sent it: the gateway serves the stage at its root, like API Gateway
            # behind a custom domain mapped to the stage (only the execute-api domain puts the stage in it).
            "path": path,
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": lowered.get("host", "localhost").split(":")[0].split(".")[0],
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": lowered.get("user-agent"),
                "user": None,
            },
            "domainName": lowered.get("host", "localhost"),
            "apiId": api_id,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }
