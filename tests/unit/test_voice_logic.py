"""The voice capability's pure rules: billed minutes, calling hours, what the caller heard, the offline agent's
intents, the AI's hours, TwiML escaping and how Twilio's statuses map to ours."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadpilot.voice import twiml
from leadpilot.voice.calls import _heard_part, minutes_of
from leadpilot.voice.models import CallItem
from leadpilot.voice.numbers import DEFAULTS, VoiceSettings
from leadpilot.voice.offline import intent_of
from leadpilot.voice.outbound import calling_window
from leadpilot.voice.status import _ours

HOURS = {"start": "08:00", "end": "21:00"}


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=10_000))
def test_a_call_is_billed_whole_minutes_rounded_up(seconds: int) -> None:
    # Given any positive duration / When billed / Then the minutes cover it and one fewer would not
    minutes = minutes_of(seconds)
    assert minutes * 60 >= seconds > (minutes - 1) * 60
    assert minutes_of(0) == 0 and minutes_of(None) == 0


def test_calling_hours_are_the_callees_and_say_when_they_open() -> None:
    # Given 02:30 UTC: 21:30 the evening before in New York, 11:30 in Tokyo
    now = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    # Then Tokyo may be called, New York not before 08:00 its time (13:00 UTC)
    assert calling_window(now, "Asia/Tokyo", HOURS) is None
    assert calling_window(now, "America/New_York", HOURS) == "2026-12-07T13:00:00Z"
    # And early in the morning the window opens the same day
    assert calling_window(datetime(2026, 12, 7, 11, 0, tzinfo=UTC), "America/New_York", HOURS) == \
        "2026-12-07T13:00:00Z"


@pytest.mark.parametrize(("said", "heard", "kept"), [
    ("We open at nine. We close at five.", "We open at nine.", "We open at nine."),
    ("We open at nine. We close at five.", "We open at", "We open at"),
    ("We open at nine.", "", ""),
    ("We open at nine.", "something else", "something else"),  # Twilio's words win when they differ
])
def test_an_interrupted_turn_keeps_what_was_heard(said: str, heard: str, kept: str) -> None:
    assert _heard_part(said, heard) == kept


@pytest.mark.parametrize(("said", "intent"), [
    ("Can I speak to a person?", "person"), ("ok bye", "bye"), ("Yes please", "yes"),
    ("I'd like to book an appointment", "book"), ("What time do you open?", "hours"),
    ("Can I leave a message", "message"), ("Blue whales are large", "other"),
])
def test_the_offline_agent_recognises_the_common_intents(said: str, intent: str) -> None:
    assert intent_of(said) == intent


def test_the_ai_answers_only_inside_its_hours_and_days() -> None:
    # Given an AI on duty 09:00-17:00 on weekdays in New York
    config = {**DEFAULTS, "ai_hours": {"timezone": "America/New_York", "start": "09:00", "end": "17:00",
                                       "weekdays": ["mon", "tue", "wed", "thu", "fri"]}}
    line = VoiceSettings("n", "+14155550100", config, None)
    # Then Monday noon there is on duty, Monday 18:00 and Saturday noon are not, and switched off never is
    assert line.ai_on_duty(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    assert not line.ai_on_duty(datetime(2026, 12, 7, 23, 0, tzinfo=UTC))
    assert not line.ai_on_duty(datetime(2026, 12, 5, 17, 0, tzinfo=UTC))
    off = VoiceSettings("n", "+14155550100", {**config, "ai_enabled": False}, None)
    assert not off.ai_on_duty(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))


def test_twiml_escapes_what_the_workspace_wrote() -> None:
    # Given a greeting and a URL with XML's special characters
    document = twiml.relay("wss://relay.test/dev?ws=a&call=b", 'Hi "there" & <welcome>', "en-US", "v",
                           "https://api.test/hook?ws=a&call_id=b", "Recorded & kept")
    # When parsed / Then it is well-formed and holds the texts unchanged
    relay = ElementTree.fromstring(document).find("Connect/ConversationRelay")
    assert relay is not None and relay.get("welcomeGreeting") == 'Hi "there" & <welcome>'
    assert relay.get("url") == "wss://relay.test/dev?ws=a&call=b"


@pytest.mark.parametrize(("mode", "status", "started", "dialled", "twilio", "ours"), [
    ("relay", "queued", None, None, "ringing", "ringing"),
    ("relay", "in_progress", "t", None, "completed", "completed"),
    ("relay", "ringing", None, None, "no-answer", "missed"),
    ("relay", "ringing", None, None, "busy", "missed"),
    ("relay", "ringing", None, None, "failed", "failed"),
    ("relay", "voicemail", None, None, "completed", "voicemail"),
    ("relay", "voicemail", None, None, "in-progress", "voicemail"),
    ("forward", "ringing", None, "completed", "completed", "completed"),
    ("forward", "ringing", None, "no-answer", "completed", "missed"),
])
def test_twilio_statuses_map_to_ours(mode: str, status: str, started: str | None, dialled: str | None, twilio: str,
                                     ours: str) -> None:
    details = json.dumps({"dial_status": dialled} if dialled else {})
    call = CallItem("pk", "sk", mode=mode, status=status, started_at=started, details=details)
    assert _ours(call, twilio) == ours
