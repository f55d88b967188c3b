"""Voice with a real Twilio account: the real `twilio` client places the call (machine detection, status and
recording callbacks) against a local stub of Twilio's Calls API, and recordings of outbound and inbound calls are
copied to the files bucket."""
from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest

from infra.local.voice_sim import VoiceSimulator
from leadpilot.sms.config import messaging_config
from leadpilot.voice.provider import calls_for
from tests.integration.test_voice_outbound import contact, zone_at
from tests.integration.voice_helpers import NUMBER, number, simulator, voice_cloud
from tests.support.apps import Api
from tests.support.http_stub import Recorded, Reply, Stub, http_stub

ACCOUNT, AUTH = "AC" + "7e" * 16, "f00d" * 8
AUDIO = b"ID3 fake mp3 audio"


def _twilio(request: Recorded, index: int) -> Reply:
    if request.method == "POST" and request.path.endswith("/Calls.json"):
        return 201, {}, b'{"sid": "CA' + b"1" * 32 + b'", "status": "queued"}'
    if request.method == "POST" and request.path.endswith(f"/Calls/CA{'1' * 32}.json"):  # a live call redirected
        return 200, {}, b'{"sid": "CA' + b"1" * 32 + b'", "status": "in-progress"}'
    if request.method == "GET" and request.path.endswith(".mp3"):
        return 200, {"Content-Type": "audio/mpeg"}, AUDIO
    return 404, {}, b"{}"


@pytest.fixture
def twilio(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stub, Stub]]:
    with voice_cloud(cloud, monkeypatch) as (_, gateway), http_stub(_twilio) as stub:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH)
        monkeypatch.setenv("TWILIO_API_BASE_URL", stub.url)
        messaging_config.cache_clear()
        calls_for.cache_clear()
        yield stub, gateway
        messaging_config.cache_clear()
        calls_for.cache_clear()


def test_a_call_is_placed_with_async_machine_detection_and_its_recording_is_copied(
        cloud: Any, twilio: tuple[Stub, Stub], api: Api, owner: dict[str, Any]) -> None:
    # Given a recorded number on a real Twilio account, and a contact who consented
    stub, gateway = twilio
    token, ws = owner["access_token"], owner["workspace"]["id"]
    number(api, token, recording=True, voicemail_message="Acme here, call us back.")
    callee = contact(api, token, custom_fields={"timezone": zone_at(12), "call_consent": True})

    # When a call is placed
    placed = api.post("/calls", {"contact_id": callee}, token=token)

    # Then Twilio was asked for it with asynchronous machine detection, recording and our signed callbacks
    assert placed.status == 201 and placed.body["provider_sid"] == "CA" + "1" * 32, placed
    sent = dict(parse_qsl(stub.requests[0].body.decode()))
    assert sent["MachineDetection"] == "DetectMessageEnd" and sent["Record"] == "true"
    assert sent["AsyncAmd"] == "true" and sent["AsyncAmdStatusCallbackMethod"] == "POST"
    assert sent["AsyncAmdStatusCallback"].endswith(f"/webhooks/twilio/voice/amd?ws={ws}&call_id={placed.body['id']}")
    assert sent["Url"].endswith(f"/webhooks/twilio/voice/answer?ws={ws}&call_id={placed.body['id']}")
    assert sent["StatusCallback"].endswith(f"/webhooks/twilio/voice/status?ws={ws}&call_id={placed.body['id']}")

    # When the call is answered (the agent starts) and the detection then says a machine answered, after its beep
    sim = simulator(api, gateway)
    assert "<ConversationRelay" in sim.answer(placed.body, ws).twiml
    assert sim.amd(placed.body, ws, "machine_end_beep") == 200

    # Then the live call is redirected to the voicemail message, then hangs up
    redirect = dict(parse_qsl(stub.requests[-1].body.decode()))
    assert stub.requests[-1].path.endswith(f"/Calls/{placed.body['provider_sid']}.json")
    assert redirect["Twiml"].endswith("<Say language=\"en-US\">Acme here, call us back.</Say><Hangup/></Response>")

    # When Twilio reports the recording (twice)
    recording = f"{stub.url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'2' * 32}"
    url = sim.hook("recording", ws, placed.body["id"])
    assert sim.recording(url, placed.body["provider_sid"], recording) == 200
    assert sim.recording(url, placed.body["provider_sid"], recording) == 200

    # Then the audio was fetched once with the account's credentials and kept in the files bucket
    fetched = [r for r in stub.requests if r.method == "GET"]
    assert len(fetched) == 1 and fetched[0].headers["authorization"].startswith("Basic ")
    record = api.get(f"/calls/{placed.body['id']}", token=token).body
    bucket, key = record["recording_url"].removeprefix("s3://").split("/", 1)
    assert boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == AUDIO
    # And the call's page gets a short-lived link to play it
    assert key in record["recording_audio_url"] and "Signature" in record["recording_audio_url"]
    _an_inbound_call_is_recorded_too(api, token, sim, stub)


def _an_inbound_call_is_recorded_too(api: Api, token: str, sim: VoiceSimulator, stub: Stub) -> None:
    # When someone calls the recorded number
    call = sim.inbound("+14155550199", NUMBER)

    # Then the announcement is said first, then the recording starts with our signed callback, then the agent
    twiml = call.twiml
    announced, started, connected = (twiml.index(s) for s in ("<Say", "<Start><Recording", "<Connect"))
    assert announced < started < connected, twiml
    found = re.search(r'<Recording recordingStatusCallback="([^"]+)"', twiml)
    assert found is not None and 'channels="dual"' in twiml
    url = unescape(found.group(1))
    inbound = api.get("/calls", token=token).body["items"][0]
    assert inbound["direction"] == "inbound" and url.endswith(f"call_id={inbound['id']}")

    # When Twilio reports the recording
    recording = f"{stub.url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'3' * 32}"
    assert sim.recording(url, call.sid, recording) == 200

    # Then it lands on the inbound call's record and in the files bucket
    record = api.get(f"/calls/{inbound['id']}", token=token).body
    bucket, key = record["recording_url"].removeprefix("s3://").split("/", 1)
    assert key.endswith(f"/calls/{inbound['id']}/recording.mp3")
    assert boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == AUDIO
