"""Voice (AI calls): per-number voice configuration, calls, Twilio's voice webhooks, the ConversationRelay
WebSocket routes (`on_relay`) and the post-call analysis consumer (`on_analysis`)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.api.request import base_url as api_public_url  # reads the host only, no body or query
from leadpilot.errors import DomainError
from leadpilot.identity.authenticate import require_role
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy
from leadpilot.observability import logger
from leadpilot.settings import get_settings
from leadpilot.sms.config import messaging_config

if TYPE_CHECKING:
    from leadpilot.sms import webhooks as sms_webhooks
    from leadpilot.voice import amd, analysis, answer, calls, gather, outbound, recording, relay, simulator, status
    from leadpilot.voice import config as voice_config
    from leadpilot.voice import numbers as voice_numbers
else:  # domain modules load on first use: a webhook pays only for what it needs
    sms_webhooks = lazy("leadpilot.sms.webhooks")
    amd = lazy("leadpilot.voice.amd")
    analysis = lazy("leadpilot.voice.analysis")
    answer = lazy("leadpilot.voice.answer")
    calls = lazy("leadpilot.voice.calls")
    gather = lazy("leadpilot.voice.gather")
    outbound = lazy("leadpilot.voice.outbound")
    recording = lazy("leadpilot.voice.recording")
    relay = lazy("leadpilot.voice.relay")
    simulator = lazy("leadpilot.voice.simulator")
    status = lazy("leadpilot.voice.status")
    voice_config = lazy("leadpilot.voice.config")
    voice_numbers = lazy("leadpilot.voice.numbers")

app = Chalice(app_name="leadpilot-voice")
edge = Edge(app, "leadpilot.voice")
ADMINS = ("owner", "admin")


def _twiml(document: str) -> Response:
    return Response(body=document, status_code=200, headers={"Content-Type": "text/xml"})


def _urls() -> answer.Urls:
    request = app.current_request
    assert request is not None, "only inside a route"
    base = (messaging_config().public_base_url or api_public_url(request)).rstrip("/")
    return answer.Urls(base, voice_config.voice_config())


@edge.route("/phone-numbers/{number_id}/voice", "GET")
def get_voice_settings(number_id: str) -> dict[str, Any]:
    identity = edge.identity()
    return voice_numbers.load(identity.workspace_id, parse_id(number_id, "number_id")).to_dict()


@edge.route("/phone-numbers/{number_id}/voice", "PUT")
def put_voice_settings(number_id: str) -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    changes = edge.body("voice_settings_update")
    return voice_numbers.update(identity, parse_id(number_id, "number_id"), changes).to_dict()


@edge.route("/calls", "POST")
def create_call() -> Response:
    """Call a contact with the AI agent (refused with details.reason when they must not be called now)."""
    identity = edge.identity("write")
    body = edge.body("call_create")
    request = outbound.CallRequest(contact_id=parse_id(body["contact_id"], "contact_id"),
                                   from_number_id=parse_id(body["from_number_id"], "from_number_id")
                                   if body.get("from_number_id") else None,
                                   purpose=body.get("purpose"), consent=body.get("consent"),
                                   idempotency_key=body.get("idempotency_key"))
    call, created = outbound.place_call(edge.settings, messaging_config(), _urls(), identity.workspace_id,
                                        identity.workspace.timezone, request)
    return Response(body=call, status_code=201 if created else 200, headers={"Content-Type": "application/json"})


@edge.route("/calls", "GET")
def list_calls() -> dict[str, Any]:
    identity = edge.identity()
    contact_id = edge.query("contact_id")
    items, cursor = calls.call_page(identity.workspace_id, edge.limit(), edge.query("cursor"),
                                    parse_id(contact_id, "contact_id") if contact_id else None)
    return {"items": items, "next_cursor": cursor}


@edge.route("/calls/{call_id}", "GET")
def get_call(call_id: str) -> dict[str, Any]:
    identity = edge.identity()
    call = calls.get_call(identity.workspace_id, parse_id(call_id, "call_id"))
    return {**call, "recording_audio_url": recording.listen_url(edge.settings, call["recording_url"])}


def _signed() -> Any:
    return sms_webhooks.verified_form(edge.settings, messaging_config(), app.current_request)


def _call_ref() -> tuple[str | None, str | None]:
    ws, call_id = edge.query("ws"), edge.query("call_id")
    return (parse_id(ws, "ws"), parse_id(call_id, "call_id")) if ws and call_id else (None, None)


@edge.route("/webhooks/twilio/voice", "POST")
def twilio_voice() -> Response:
    """Public: Twilio's voice webhook for an inbound call (X-Twilio-Signature; 403 otherwise)."""
    signed = _signed()
    return _twiml(answer.answer(edge.settings, _urls(), signed.form, signed.workspace_id, None, None))


@edge.route("/webhooks/twilio/voice/answer", "POST")
def twilio_voice_answer() -> Response:
    """Public: an outbound call was answered (AnsweredBy from machine detection), signed by Twilio."""
    signed = _signed()
    ws, call_id = _call_ref()
    return _twiml(answer.answer(edge.settings, _urls(), signed.form, signed.workspace_id, ws, call_id))


@edge.route("/webhooks/twilio/voice/status", "POST")
def twilio_voice_status() -> Response:
    """Public: Twilio's call status callback, signed; each (CallSid, CallStatus) applied once, never backwards."""
    signed = _signed()
    ws, call_id = _call_ref()
    status.on_status(edge.settings, signed.form, signed.workspace_id, ws, call_id)
    return _twiml(answer.twiml.empty())


def _own_call(signed: Any) -> Any:
    ws, call_id = _call_ref()
    if ws is None or call_id is None:
        raise DomainError("ws and call_id are required in the query string", {"field": "call_id"})
    sms_webhooks.require_owner(signed.workspace_id, ws, "CallSid")
    return calls.get_item(ws, call_id)


@edge.route("/webhooks/twilio/voice/recording", "POST")
def twilio_voice_recording() -> Response:
    """Public: Twilio's recording callback, signed; the audio is copied to the files bucket."""
    signed = _signed()
    call = _own_call(signed)
    own = messaging_config()
    from leadpilot.sms.provider import workspace_config

    recording.on_recording(edge.settings, workspace_config(edge.settings, own, call.workspace_id), call, signed.form)
    return _twiml(answer.twiml.empty())


@edge.route("/webhooks/twilio/voice/amd", "POST")
def twilio_voice_amd() -> Response:
    """Public: the answering machine's verdict on an outbound call, signed; a machine gets the voicemail."""
    signed = _signed()
    call = _own_call(signed)
    amd.on_amd(edge.settings, messaging_config(), call, signed.form)
    return _twiml(answer.twiml.empty())


@edge.route("/webhooks/twilio/voice/gather", "POST")
def twilio_voice_gather() -> Response:
    """Public: one turn of the <Gather input="speech"> loop (signed)."""
    signed = _signed()
    call = _own_call(signed)
    return _twiml(gather.gather_turn(edge.settings, voice_config.voice_config(), _urls(), call, signed.form))


@edge.route("/webhooks/twilio/voice/relay-end", "POST")
def twilio_voice_relay_end() -> Response:
    """Public: a ConversationRelay session or a <Dial> ended (signed): a handed-over call is dialled to a person."""
    signed = _signed()
    return _twiml(gather.relay_ended(_urls(), _own_call(signed), signed.form))


@edge.route("/dev/voice/calls", "POST")
def simulate_call() -> dict[str, Any]:
    """Sandbox only: ring one of the caller's numbers as Twilio would; speak ConversationRelay on `relay_url`."""
    identity = edge.identity("write")
    return simulator.start_call(edge.settings, messaging_config(), _urls(), identity.workspace_id,
                                edge.body("sim_call"))


@edge.route("/dev/voice/calls/{call_id}/hangup", "POST")
def simulate_hang_up(call_id: str) -> dict[str, Any]:
    """Sandbox only: the simulated caller hangs up (Twilio's completed status callback)."""
    identity = edge.identity("write")
    return simulator.hang_up(edge.settings, messaging_config(), _urls(), identity.workspace_id,
                             parse_id(call_id, "call_id"))


def _ws_answer(status_code: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status_code, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@app.lambda_function(name="on_relay")
def on_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The relay WebSocket API's routes: $connect admits Twilio's socket for one of our calls, $default handles
    ConversationRelay's messages, $disconnect forgets the socket."""
    request = event["requestContext"]
    connection_id, kind = str(request["connectionId"]), request.get("eventType")
    settings = get_settings()
    try:
        if kind == "CONNECT":
            call = relay.connect(settings, connection_id, event.get("queryStringParameters") or {})
            logger.info("relay connected", extra={"workspace_id": call.workspace_id, "call_id": call.call_id})
        elif kind == "DISCONNECT":
            relay.disconnect(connection_id)
        else:
            voice = voice_config.voice_config()
            relay.on_message(settings, voice, connection_id, event.get("body"), relay.endpoint_of(voice, request))
        return _ws_answer(200, {"ok": True})
    except DomainError as exc:
        return _ws_answer(exc.status, {"error": {"code": exc.code, "message": exc.message, "details": exc.details}})


@app.lambda_function(name="on_analysis")
def on_analysis(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Analysis queue consumer (call.completed from the bus): each call analysed once; a failure is retried."""
    settings = get_settings()
    failed = []
    for record in event.get("Records") or []:
        try:
            detail = json.loads(record["body"])["detail"]
            analysis.analyze(settings, str(detail["workspace_id"]), str(detail["data"]["call_id"]))
        except (KeyError, TypeError, ValueError):
            logger.warning("not a call event; dropped", extra={"message_id": record.get("messageId")})
        except Exception:
            logger.exception("call analysis failed; the queue will retry it")
            failed.append(record["messageId"])
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
