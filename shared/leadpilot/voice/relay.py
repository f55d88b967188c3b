"""Twilio ConversationRelay over the relay WebSocket API: $connect admits the socket our TwiML gave Twilio,
$default handles its messages (setup, prompt, interrupt, dtmf, error), $disconnect forgets it. The agent's words
go back through API Gateway's @connections API as they are produced."""
from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import boto3

from leadpilot.errors import Forbidden, NotFound
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.untrusted import loads
from leadpilot.voice import calls
from leadpilot.voice.answer import relay_token
from leadpilot.voice.config import VoiceConfig
from leadpilot.voice.conversation import caller_turn
from leadpilot.voice.models import CallItem, RelayConnectionItem

CONNECTION_TTL_S = 3 * 3600
MAX_PROMPT_CHARS = 2000


def _conn_pk(connection_id: str) -> str:
    return f"VOICE_CONN#{connection_id}"


def connect(settings: Settings, connection_id: str, query: Mapping[str, str]) -> CallItem:
    """Admit a relay socket for one of our calls (the token our TwiML put in its URL); 403 otherwise."""
    workspace_id, call_id, token = (str(query.get(k) or "") for k in ("ws", "call", "t"))
    if not (workspace_id and call_id and token) or not hmac.compare_digest(
            token, relay_token(settings.jwt_secret, workspace_id, call_id)):
        raise Forbidden("this relay URL is not one of our calls", {"field": "t"})
    call = calls.get_item(workspace_id, call_id)
    RelayConnectionItem(_conn_pk(connection_id), "CONN", workspace_id=workspace_id, call_id=call_id,
                        expires_at=int(time.time()) + CONNECTION_TTL_S).save()
    _KNOWN[connection_id] = (workspace_id, call_id)
    return call


def disconnect(connection_id: str) -> None:
    _KNOWN.pop(connection_id, None)
    RelayConnectionItem(_conn_pk(connection_id), "CONN").delete()


# connection id -> (workspace, call): it never changes for a connection, so a warm function reads it once.
_KNOWN: dict[str, tuple[str, str]] = {}
_KNOWN_MAX = 5000


def _call_of(connection_id: str) -> CallItem:
    ref = _KNOWN.get(connection_id)
    if ref is None:
        try:
            conn = RelayConnectionItem.get(_conn_pk(connection_id), "CONN", consistent_read=True)
        except RelayConnectionItem.DoesNotExist as exc:
            raise NotFound("this relay connection carries no call", {"field": "connectionId"}) from exc
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        ref = _KNOWN[connection_id] = (conn.workspace_id, conn.call_id)
    return calls.get_item(*ref)


@lru_cache(maxsize=4)
def _client(endpoint_url: str, region: str) -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint_url, region_name=region)


class Socket:
    """Sends ConversationRelay messages to Twilio on one connection."""

    def __init__(self, settings: Settings, endpoint: str, connection_id: str) -> None:
        self.client, self.connection_id = _client(endpoint, settings.region), connection_id
        self.first_token_at: float | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.client.post_to_connection(ConnectionId=self.connection_id,
                                       Data=json.dumps(message, separators=(",", ":")).encode())

    def token(self, text: str) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        self.send({"type": "text", "token": text, "last": False})


def endpoint_of(voice: VoiceConfig, request_context: Mapping[str, Any]) -> str:
    """The relay API's @connections endpoint: configured (the local cloud), else this API's own stage URL."""
    if voice.relay_connections_url:
        return voice.relay_connections_url
    return f"https://{request_context['domainName']}/{request_context['stage']}"


def on_message(settings: Settings, voice: VoiceConfig, connection_id: str, body: str | None, endpoint: str) -> None:
    """Handle one ConversationRelay message."""
    message = loads(body or "{}", "body")
    if not isinstance(message, dict):
        return
    kind = str(message.get("type") or "")
    call = _call_of(connection_id)
    if kind == "setup":
        _setup(call, message)
    elif kind == "prompt":
        if message.get("last") is False:
            return  # a partial prompt: the caller is still speaking (turn detection is Twilio's)
        said = str(message.get("voicePrompt") or "")[:MAX_PROMPT_CHARS].strip()
        if said:
            _turn(settings, voice, call, said, Socket(settings, endpoint, connection_id))
    elif kind == "interrupt":
        heard = str(message.get("utteranceUntilInterrupt") or "")[:MAX_PROMPT_CHARS]
        calls.keep_heard(call.workspace_id, call.call_id, heard)
        metrics.add_metric(name="CallInterrupted", unit="Count", value=1)
    elif kind == "dtmf":
        digit = str(message.get("digit") or "")[:1]
        said = "I want to speak to a person." if digit == "0" else f"(pressed {digit})"
        _turn(settings, voice, call, said, Socket(settings, endpoint, connection_id))
    elif kind == "error":
        logger.warning("ConversationRelay reported an error",
                       extra={"call_id": call.call_id, "description": str(message.get("description"))[:300]})


def _setup(call: CallItem, message: Mapping[str, Any]) -> None:
    sid = str(message.get("callSid") or "")
    if sid and not call.provider_sid:
        call.update(actions=[CallItem.provider_sid.set(sid[:64])])
        calls.sid_item(sid[:64], call.workspace_id, call.call_id).save()


def _turn(settings: Settings, voice: VoiceConfig, call: CallItem, said: str, socket: Socket) -> None:
    outcome = caller_turn(settings, voice, call, said, socket.token)
    socket.send({"type": "text", "token": "", "last": True})
    if outcome.action is not None:
        # ConversationRelay ends the session; Twilio then asks the <Connect> action URL what comes next.
        socket.send({"type": "end", "handoffData": json.dumps(outcome.action)})
