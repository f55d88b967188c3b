"""The template's WebSocket APIs (AWS::ApiGatewayV2::*, ProtocolType WEBSOCKET) as the local gateway serves them.

Each is mounted on the gateway's own port at a path named after its logical id: LiveApi at /live, VoiceRelayApi
at /voice-relay. Its stage, routes, integrations and permissions have no other local meaning, so none is created.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from infra.local.model import FunctionSpec, WebSocketApi, WebSocketRoute
from infra.local.template import Resolver, TemplateError

API = "AWS::ApiGatewayV2::Api"
ROUTE = "AWS::ApiGatewayV2::Route"
INTEGRATION = "AWS::ApiGatewayV2::Integration"
ROUTE_RESPONSE = "AWS::ApiGatewayV2::RouteResponse"
STAGE = "AWS::ApiGatewayV2::Stage"
# Everything of API Gateway v2 a WebSocket API is made of: served by the gateway, never created in moto.
WEBSOCKET_TYPES = frozenset({API, ROUTE, INTEGRATION, ROUTE_RESPONSE, STAGE, "AWS::ApiGatewayV2::Deployment",
                             "AWS::ApiGatewayV2::IntegrationResponse"})
_LAMBDA_URI = re.compile(r"functions/(arn:[^/]+)/invocations$")


def mount_path(logical_id: str) -> str:
    """Where the gateway serves an API: LiveApi -> /live, VoiceRelayApi -> /voice-relay."""
    name = logical_id.removesuffix("Api") or logical_id
    return "/" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def websocket_apis(resolver: Resolver, functions: list[FunctionSpec]) -> list[WebSocketApi]:
    """One spec per enabled WebSocket API of the template, with the function behind each route."""
    by_type = _enabled_by_type(resolver)
    functions_by_arn = {str(resolver.physical(spec.logical_id)["Arn"]): spec.logical_id for spec in functions}
    apis = []
    for logical_id, props in by_type.get(API, {}).items():
        if props.get("ProtocolType") != "WEBSOCKET":
            raise TemplateError(f"{logical_id}: only WebSocket APIs of API Gateway v2 are served locally")
        api_ref = resolver.physical(logical_id)["Ref"]
        stage = next((str(p["StageName"]) for p in by_type.get(STAGE, {}).values() if p.get("ApiId") == api_ref),
                     resolver.stage)
        routes = _routes(by_type, api_ref, functions_by_arn, resolver)
        apis.append(WebSocketApi(logical_id, mount_path(logical_id), str(api_ref), stage,
                                 str(props.get("RouteSelectionExpression", "$request.body.action")), routes))
    paths = [api.path for api in apis]
    if len(set(paths)) != len(paths):
        raise TemplateError(f"two WebSocket APIs would be served at the same path: {sorted(paths)}")
    return apis


def _enabled_by_type(resolver: Resolver) -> dict[str, dict[str, dict[str, Any]]]:
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for logical_id, resource in resolver.resources.items():
        kind = resource.get("Type")
        if kind in WEBSOCKET_TYPES and resolver.resource_enabled(logical_id):
            found.setdefault(kind, {})[logical_id] = resolver.resolve(resource.get("Properties", {}) or {})
    return found


def _routes(by_type: Mapping[str, dict[str, dict[str, Any]]], api_ref: Any, functions_by_arn: Mapping[str, str],
            resolver: Resolver) -> dict[str, WebSocketRoute]:
    integrations = {resolver.physical(lid)["Ref"]: (lid, props) for lid, props in by_type.get(INTEGRATION, {}).items()
                    if props.get("ApiId") == api_ref}
    answered = {props.get("RouteId") for props in by_type.get(ROUTE_RESPONSE, {}).values()
                if props.get("ApiId") == api_ref}
    routes = {}
    for logical_id, props in by_type.get(ROUTE, {}).items():
        if props.get("ApiId") != api_ref:
            continue
        target = str(props.get("Target", ""))
        if not target.startswith("integrations/") or target.split("/", 1)[1] not in integrations:
            raise TemplateError(f"{logical_id}: a route needs Target integrations/<an integration of its API>")
        integration_id, integration = integrations[target.split("/", 1)[1]]
        routes[str(props["RouteKey"])] = WebSocketRoute(
            str(props["RouteKey"]), _function_of(integration_id, integration, functions_by_arn),
            two_way=resolver.physical(logical_id)["Ref"] in answered and "RouteResponseSelectionExpression" in props)
    return routes


def _function_of(logical_id: str, integration: Mapping[str, Any], functions_by_arn: Mapping[str, str]) -> str:
    match = _LAMBDA_URI.search(str(integration.get("IntegrationUri", "")))
    if integration.get("IntegrationType") != "AWS_PROXY" or match is None or match.group(1) not in functions_by_arn:
        raise TemplateError(f"{logical_id}: the local cloud serves AWS_PROXY integrations of this template's functions")
    return functions_by_arn[match.group(1)]
