"""Offline AI steps: the keyword classifier and the message templates (no network, no AWS)."""
from __future__ import annotations

import pytest

from leadpilot.automation.steps.ai_steps import SMS_LIMIT, offline_label, offline_message, polarity


@pytest.mark.parametrize(("text", "expected"), [
    ("Yes please, call me tomorrow", 1), ("Sure!", 1), ("sounds good 👍", 1), ("Y", 1),
    ("No thanks", -1), ("not interested", -1), ("STOP", -1), ("Please don't text me again", -1),
    ("What time?", 0), ("Sure, but not now", 0),
])
def test_polarity_counts_negations_first(text: str, expected: int) -> None:
    assert polarity(text) == expected


def test_yes_no_labels_follow_polarity_with_the_default_when_unclear() -> None:
    assert offline_label("yeah ok", ["yes", "no"], "no")[0] == "yes"
    assert offline_label("nope", ["yes", "no"], "no")[0] == "no"
    assert offline_label("what is this about", ["yes", "no"], "no")[0] == "no"
    assert offline_label("what is this about", ["yes", "no", "maybe"], "no")[0] == "maybe"


def test_a_label_named_in_the_text_wins() -> None:
    labels = ["pricing", "support", "other"]
    assert offline_label("I have a question about Pricing", labels, "other")[0] == "pricing"
    assert offline_label("my login is broken, need support", labels, "other")[0] == "support"
    assert offline_label("hello", labels, "other")[0] == "other"


def test_messages_follow_the_prompt_intent_and_channel_limits() -> None:
    assert offline_message("Remind them of the appointment", "sms", "Ada").startswith("Hi Ada, a quick reminder")
    assert offline_message("Say thanks", "email", None) == "Hi there, thank you! We really appreciate it."
    assert offline_message('Send "See you at 5!" to them', "sms", "Ada") == "See you at 5!"
    assert len(offline_message("anything " * 100, "sms", "A" * 400)) <= SMS_LIMIT
