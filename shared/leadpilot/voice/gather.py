"""The plain-HTTP voice paths: the <Gather input="speech"> turn loop (accounts without ConversationRelay), and
what follows a relay session (the <Connect> action: a person when the agent handed over, else hang up)."""
from __future__ import annotations

import json
from collections.abc import Mapping

from leadpilot.settings import Settings
from leadpilot.untrusted import loads
from leadpilot.voice import calls, twiml
from leadpilot.voice.answer import Urls
from leadpilot.voice.config import VoiceConfig
from leadpilot.voice.conversation import caller_turn, handoff_twiml_target, session_of
from leadpilot.voice.models import CallItem

STILL_THERE = "Sorry, I didn't hear anything. Are you still there?"
MAX_SILENCES = 2


def gather_turn(settings: Settings, voice: VoiceConfig, urls: Urls, call: CallItem, form: Mapping[str, str]) -> str:
    """One turn: what the caller said (SpeechResult) in, the agent's answer (and the next <Gather>) out."""
    language = session_of(settings, call).config.config["language"]
    said = (form.get("SpeechResult") or "").strip()[:2000]
    action_url = urls.hook("gather", call.workspace_id, call.call_id)
    if not said:
        silences = int(calls.details_of(call).get("silences") or 0) + 1
        details = {**calls.details_of(call), "silences": silences}
        call.update(actions=[CallItem.details.set(json.dumps(details))])
        if silences > MAX_SILENCES:
            return twiml.goodbye("I'll let you go. Goodbye.", language)
        return twiml.gather(action_url, STILL_THERE, language)
    words: list[str] = []
    outcome = caller_turn(settings, voice, call, said, words.append)
    text = "".join(words).strip() or "Okay."
    if outcome.action is None:
        return twiml.gather(action_url, text, language)
    if outcome.action["type"] == "transfer":
        return twiml.dial(outcome.action["to"], urls.hook("relay-end", call.workspace_id, call.call_id), text,
                          language)
    return twiml.goodbye(text, language)


def relay_ended(urls: Urls, call: CallItem, form: Mapping[str, str]) -> str:
    """After a ConversationRelay session: dial the person the agent handed over to, else hang up. After a <Dial>
    (DialCallStatus): remember whether the person answered, then hang up."""
    dialled = (form.get("DialCallStatus") or "").strip()[:20]
    if dialled:
        details = {**calls.details_of(call), "dial_status": dialled}
        call.update(actions=[CallItem.details.set(json.dumps(details))])
        return twiml.goodbye(None)
    raw = form.get("HandoffData") or ""
    data = loads(raw, "HandoffData") if raw else {}
    target = handoff_twiml_target(call)
    if isinstance(data, dict) and data.get("type") == "transfer" and target:
        return twiml.dial(target, urls.hook("relay-end", call.workspace_id, call.call_id))
    return twiml.goodbye(None)
