"""The template's WebSocket API as the local gateway serves it: path, stage and the function behind each route."""
from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.model import FunctionSpec
from infra.local.template import Resolver, TemplateError, load_template
from infra.local.ws_specs import mount_path, websocket_apis

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _functions(resolver: Resolver) -> list[FunctionSpec]:
    return [FunctionSpec(lid, Path("."), "app.handler") for lid, res in resolver.resources.items()
            if res["Type"] == "AWS::Serverless::Function"]


def test_the_live_api_is_served_at_live_with_its_three_routes() -> None:
    # Given the project's template resolved for the local stage
    resolver = Resolver(load_template(TEMPLATE), {"JwtSecret": "x" * 32, "Stage": "dev"})
    # When its WebSocket APIs are read
    apis = {api.logical_id: api for api in websocket_apis(resolver, _functions(resolver))}
    assert set(apis) == {"LiveApi", "VoiceRelayApi"}
    api = apis["LiveApi"]
    # Then LiveApi is at /live on the dev stage, selecting routes by the body's action,
    assert (api.logical_id, api.path, api.stage, api.selection_expression) == (
        "LiveApi", "/live", "dev", "$request.body.action")
    # and each route invokes the connections function; only $default answers back (it has a route response)
    assert {key: (route.function_id, route.two_way) for key, route in api.routes.items()} == {
        "$connect": ("LiveConnectionsFunction", False), "$disconnect": ("LiveConnectionsFunction", False),
        "$default": ("LiveConnectionsFunction", True)}
    # And the ConversationRelay API is at /voice-relay, selecting by Twilio's message type; the handshake and the
    # hang-up have a function of their own so they never wait behind a streaming answer
    relay = apis["VoiceRelayApi"]
    assert (relay.path, relay.selection_expression) == ("/voice-relay", "$request.body.type")
    assert {key: route.function_id for key, route in relay.routes.items()} == {
        "$connect": "VoiceRelayConnectionsFunction", "$disconnect": "VoiceRelayConnectionsFunction",
        "$default": "VoiceRelayFunction"}


def test_the_fan_out_posts_to_the_endpoint_the_local_cloud_passes() -> None:
    # Given the local cloud's LiveConnectionsUrl / When the fan-out's environment is resolved
    resolver = Resolver(load_template(TEMPLATE), {"JwtSecret": "x" * 32,
                                                  "LiveConnectionsUrl": "http://127.0.0.1:3000/live"})
    variables = resolver.resources["LiveFanoutFunction"]["Properties"]["Environment"]["Variables"]
    # Then it is that URL; without it, the stack's own stage URL
    assert resolver.resolve(variables["LIVE_CONNECTIONS_URL"]) == "http://127.0.0.1:3000/live"
    deployed = Resolver(load_template(TEMPLATE), {"JwtSecret": "x" * 32, "Stage": "prod"})
    assert deployed.resolve(variables["LIVE_CONNECTIONS_URL"]).endswith(".execute-api.us-east-1.amazonaws.com/prod")


@pytest.mark.parametrize("logical_id,path", [("LiveApi", "/live"), ("VoiceRelayApi", "/voice-relay"), ("Api", "/api")])
def test_an_api_is_mounted_at_its_logical_id_in_kebab_case(logical_id: str, path: str) -> None:
    assert mount_path(logical_id) == path


def test_an_http_api_of_api_gateway_v2_is_refused() -> None:
    # Given a template with an HTTP API (not served locally)
    template = {"Resources": {"HttpApi": {"Type": "AWS::ApiGatewayV2::Api",
                                          "Properties": {"Name": "x", "ProtocolType": "HTTP"}}}}
    # When its WebSocket APIs are read / Then the local cloud says what it cannot serve
    with pytest.raises(TemplateError, match="only WebSocket APIs"):
        websocket_apis(Resolver(template), [])
