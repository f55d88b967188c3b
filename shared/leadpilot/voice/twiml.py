"""The TwiML documents voice webhooks answer with."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def _doc(*verbs: str) -> str:
    return f"{HEAD}<Response>{''.join(verbs)}</Response>"


def say(text: str, language: str = "en-US") -> str:
    return f"<Say language={quoteattr(language)}>{escape(text)}</Say>"


def start_recording(callback_url: str) -> str:
    """Record the whole call from here on, both sides (<Start> goes on to the next verb at once); Twilio posts the
    finished recording to `callback_url`. Works before <Connect><ConversationRelay>, <Gather> and <Dial>."""
    return (f"<Start><Recording recordingStatusCallback={quoteattr(callback_url)} "
            'recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed" channels="dual"/></Start>')


def _opening(announcement: str | None, recording_url: str | None, language: str) -> list[str]:
    """The announcement is said before the recording starts, so the caller hears it before anything is kept."""
    return [*([say(announcement, language)] if announcement else []),
            *([start_recording(recording_url)] if recording_url else [])]


def relay(url: str, greeting: str, language: str, voice: str, action_url: str, announcement: str | None,
          recording_url: str | None = None) -> str:
    """Connect the call to the agent over ConversationRelay; Twilio calls `action_url` when the session ends
    (with HandoffData when the agent handed the call over)."""
    attributes = {"url": url, "welcomeGreeting": greeting, "language": language, "voice": voice,
                  "interruptible": "any", "dtmfDetection": "true", "ttsProvider": "Google"}
    relay_tag = "<ConversationRelay " + " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items()) + "/>"
    connect = f"<Connect action={quoteattr(action_url)}>{relay_tag}</Connect>"
    return _doc(*_opening(announcement, recording_url, language), connect)


def gather(action_url: str, text: str, language: str, announcement: str | None = None,
           recording_url: str | None = None) -> str:
    """One turn of the <Gather input="speech"> loop: say `text`, listen, post the speech to `action_url`."""
    prefix = _opening(announcement, recording_url, language)
    listen = (f'<Gather input="speech" speechTimeout="auto" language={quoteattr(language)} '
              f"action={quoteattr(action_url)}>{say(text, language)}</Gather>")
    # Nothing heard: the loop asks once more through the same action (with an empty SpeechResult).
    return _doc(*prefix, listen, f"<Redirect>{escape(action_url)}</Redirect>")


def dial(number: str, action_url: str, text: str | None = None, language: str = "en-US",
         announcement: str | None = None, recording_url: str | None = None) -> str:
    """Hand the call to a human; Twilio posts how the dial went (DialCallStatus) to `action_url`."""
    prefix = [*([say(text, language)] if text else []), *_opening(announcement, recording_url, language)]
    return _doc(*prefix, f"<Dial action={quoteattr(action_url)}>{escape(number)}</Dial>")


def goodbye(text: str | None, language: str = "en-US") -> str:
    return _doc(*([say(text, language)] if text else []), "<Hangup/>")


def empty() -> str:
    return _doc()
