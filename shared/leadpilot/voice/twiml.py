"""The TwiML documents voice webhooks answer with."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def _doc(*verbs: str) -> str:
    return f"{HEAD}<Response>{''.join(verbs)}</Response>"


def say(text: str, language: str = "en-US") -> str:
    return f"<Say language={quoteattr(language)}>{escape(text)}</Say>"


def relay(url: str, greeting: str, language: str, voice: str, action_url: str, announcement: str | None) -> str:
    """Connect the call to the agent over ConversationRelay; Twilio calls `action_url` when the session ends
    (with HandoffData when the agent handed the call over)."""
    attributes = {"url": url, "welcomeGreeting": greeting, "language": language, "voice": voice,
                  "interruptible": "any", "dtmfDetection": "true", "ttsProvider": "Google"}
    relay_tag = "<ConversationRelay " + " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items()) + "/>"
    prefix = [say(announcement, language)] if announcement else []
    return _doc(*prefix, f"<Connect action={quoteattr(action_url)}>{relay_tag}</Connect>")


def gather(action_url: str, text: str, language: str, announcement: str | None = None) -> str:
    """One turn of the <Gather input="speech"> loop: say `text`, listen, post the speech to `action_url`."""
    prefix = [say(announcement, language)] if announcement else []
    listen = (f'<Gather input="speech" speechTimeout="auto" language={quoteattr(language)} '
              f"action={quoteattr(action_url)}>{say(text, language)}</Gather>")
    # Nothing heard: the loop asks once more through the same action (with an empty SpeechResult).
    return _doc(*prefix, listen, f"<Redirect>{escape(action_url)}</Redirect>")


def dial(number: str, action_url: str, text: str | None = None, language: str = "en-US") -> str:
    """Hand the call to a human; Twilio posts how the dial went (DialCallStatus) to `action_url`."""
    prefix = [say(text, language)] if text else []
    return _doc(*prefix, f"<Dial action={quoteattr(action_url)}>{escape(number)}</Dial>")


def goodbye(text: str | None, language: str = "en-US") -> str:
    return _doc(*([say(text, language)] if text else []), "<Hangup/>")


def empty() -> str:
    return _doc()
