"""AI steps of a flow: AI Condition (classify a text into the node's labels) and AI Generate Message.

With an OpenAI key both use strict structured output; without one they fall back to offline methods (keyword
and polarity rules; channel templates) and say so in the step output (`"generator": "offline"`). A provider
outage is LeadPilot.Transient: the compiled Retry tries again, then the node's error edge.
"""
from __future__ import annotations

import re
from typing import Any

from leadpilot.automation.ai import provider as ai
from leadpilot.automation.steps.actions import Job
from leadpilot.automation.steps.webhooks import TransientFailure
from leadpilot.observability import metrics

SMS_LIMIT = 320
_POSITIVE = ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "interested", "sounds good", "definitely",
             "absolutely", "great", "love", "perfect", "call me", "let's", "lets", "confirm", "confirmed",
             "of course", "works for me", "i'm in", "count me in", "y")
_NEGATIVE = ("not interested", "no thanks", "no thank you", "don't", "dont", "do not", "stop", "unsubscribe",
             "never", "not now", "cancel", "nope", "nah", "no", "not", "remove me", "leave me alone", "n")
_POSITIVE_LABELS = frozenset({"yes", "positive", "interested", "true", "accept", "accepted", "agree", "confirmed",
                              "happy", "hot", "qualified"})
_NEGATIVE_LABELS = frozenset({"no", "negative", "not_interested", "not-interested", "false", "decline",
                              "declined", "reject", "unhappy", "cold", "unqualified", "unsubscribe"})
_NEUTRAL_LABELS = ("neutral", "maybe", "unsure", "unknown", "other")


def _count(phrases: tuple[str, ...], text: str) -> tuple[int, str]:
    """How many phrase occurrences, and the text with them blanked (so "not interested" is not also positive)."""
    hits = 0
    for phrase in sorted(phrases, key=len, reverse=True):
        pattern = rf"(?<![\w']){re.escape(phrase)}(?![\w'])"
        found = len(re.findall(pattern, text))
        if found:
            hits += found
            text = re.sub(pattern, " ", text)
    return hits, text


def polarity(text: str) -> int:
    """+1 agreeing, -1 refusing, 0 unclear, by keyword rules (negations counted first)."""
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    negative, rest = _count(_NEGATIVE, lowered)
    positive, _ = _count(_POSITIVE, rest)
    positive += text.count("👍")
    return (positive > negative) - (negative > positive)


def offline_label(text: str, labels: list[str], default: str) -> tuple[str, str]:
    """(label, reason) without a model: a label named in the text, else the text's polarity, else the default."""
    lowered = text.lower()
    named = [lb for lb in labels if lb not in _POSITIVE_LABELS | _NEGATIVE_LABELS
             and re.search(rf"\b{re.escape(lb.replace('_', ' ').replace('-', ' '))}\b", lowered.replace("-", " "))]
    if named:
        return named[0], f"the text mentions '{named[0]}'"
    positive = next((lb for lb in labels if lb in _POSITIVE_LABELS), None)
    negative = next((lb for lb in labels if lb in _NEGATIVE_LABELS), None)
    score = polarity(text)
    if score > 0 and positive:
        return positive, "agreeing words outweigh refusing ones"
    if score < 0 and negative:
        return negative, "refusing words outweigh agreeing ones"
    neutral = next((lb for lb in labels if lb in _NEUTRAL_LABELS), None)
    return (neutral or default), "no clear signal in the text: the node's default"


def classify(job: Job) -> dict[str, Any]:
    """Answer `{"label": ...}` for the compiled Choice on the node's labels."""
    cfg, settings = job.config, ai.for_workspace(job.settings, ai.ai_config(), job.workspace_id)
    labels = list(cfg.get("labels") or ["yes", "no"])
    default = str(cfg.get("default") or labels[-1])
    question, text = job.render(cfg["question"]), job.render(cfg["input"])
    metrics.add_metric(name="FlowAiStep", unit="Count", value=1)
    if not settings.online:
        label, reason = offline_label(text, labels, default)
        return {"label": label, "reason": reason, "generator": ai.OFFLINE,
                "notice": "classified offline by keyword rules (no OpenAI key is configured)"}
    schema = {"type": "object", "additionalProperties": False, "required": ["label", "reason"],
              "properties": {"label": {"type": "string", "enum": labels}, "reason": {"type": "string"}}}
    messages = [{"role": "system", "content": "You classify a text for a CRM automation. Answer with exactly one "
                                              f"of the labels {labels} and a short reason."},
                {"role": "user", "content": f"Question: {question}\nText: {text}"}]
    try:
        answer, tokens = ai.structured_answer(settings, "leadpilot_classification", schema, messages)
    except ai.AiUnavailable as exc:
        raise TransientFailure(f"ai_condition at {job.node}: {exc.message}") from exc
    _meter(job, settings, tokens)
    label = str(answer.get("label"))
    return {"label": label if label in labels else default, "reason": str(answer.get("reason", ""))[:500],
            "generator": ai.OPENAI, "model": settings.model}


def _meter(job: Job, settings: ai.AiConfig, tokens: int) -> None:
    """Charge a step's tokens once per performed action (the action's key: a redelivery is not charged again)."""
    ai.meter(job.settings, settings, job.workspace_id, tokens, f"run:{job.run_id}:{job.key}",
             {"type": "run", "id": job.run_id})


def offline_message(prompt: str, channel: str, first_name: str | None) -> str:
    """A channel template chosen by the prompt's intent (a quoted text in the prompt is used as it is)."""
    quoted = re.search(r"[\"“]([^\"”]{3,})[\"”]", prompt)
    if quoted:
        return quoted.group(1).strip()
    name, lowered = first_name or "there", prompt.lower()
    if re.search(r"remind|appointment|meeting|booking", lowered):
        text = f"Hi {name}, a quick reminder about your upcoming appointment. Reply here if you need to reschedule."
    elif re.search(r"thank", lowered):
        text = f"Hi {name}, thank you! We really appreciate it."
    elif re.search(r"welcome|onboard", lowered):
        text = f"Welcome, {name}! We are glad you are here. Reply any time with questions."
    elif re.search(r"review|feedback", lowered):
        text = f"Hi {name}, how did we do? We would love your feedback - just reply to this message."
    else:
        text = f"Hi {name}, just checking in - do you have any questions we can help with?"
    return text[:SMS_LIMIT] if channel == "sms" else text


def generate_message(job: Job) -> dict[str, Any]:
    """Write a message and save it in the variable `save_as` (the compiled `@vars` Pass copies `vars`)."""
    cfg, settings = job.config, ai.for_workspace(job.settings, ai.ai_config(), job.workspace_id)
    channel, prompt = str(cfg.get("channel") or "sms"), job.render(cfg["prompt"])
    contact = job.context.get("contact") or {}
    metrics.add_metric(name="FlowAiStep", unit="Count", value=1)
    extra: dict[str, Any]
    if settings.online:
        schema = {"type": "object", "additionalProperties": False, "required": ["text"],
                  "properties": {"text": {"type": "string"}}}
        limit = f" Keep it under {SMS_LIMIT} characters, plain text." if channel == "sms" else ""
        messages = [{"role": "system", "content": f"You write one {channel} message from a small business to a "
                                                  f"contact.{limit} Do not invent facts or prices."},
                    {"role": "user", "content": f"Contact first name: {contact.get('first_name') or 'unknown'}; "
                                                f"company: {contact.get('company') or 'unknown'}.\n{prompt}"}]
        try:
            answer, tokens = ai.structured_answer(settings, "leadpilot_message", schema, messages)
        except ai.AiUnavailable as exc:
            raise TransientFailure(f"ai_generate_message at {job.node}: {exc.message}") from exc
        _meter(job, settings, tokens)
        text = str(answer.get("text", "")).strip()
        text = text[:SMS_LIMIT] if channel == "sms" else text
        extra = {"generator": ai.OPENAI, "model": settings.model}
    else:
        text = offline_message(prompt, channel, contact.get("first_name"))
        extra = {"generator": ai.OFFLINE, "notice": "written offline from a template (no OpenAI key is configured)"}
    return {"vars": {**(job.context.get("vars") or {}), cfg["save_as"]: text}, "text": text, **extra}
