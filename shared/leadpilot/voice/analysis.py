"""Post-call analysis, driven by `call.completed` on the bus (a queue: retried until it succeeds, then the DLQ):
a summary, the caller's sentiment, an outcome label from the number's list and contact fields heard in the call.
Online: OpenAI structured output. Offline: VADER sentiment, an extractive summary and rule-based outcome, labelled
as such. The analysis is saved with `call.analyzed` once (conditional on it still pending)."""
from __future__ import annotations

import json
import re
from typing import Any

from pynamodb.exceptions import TransactWriteError

from leadpilot.automation.ai.provider import AiConfig, ai_config, for_workspace, structured
from leadpilot.clock import now_iso
from leadpilot.contacts import store as contacts_store
from leadpilot.db.base import transaction
from leadpilot.events.outbox import publish_now
from leadpilot.observability import logger, metrics
from leadpilot.settings import Settings
from leadpilot.voice import calls
from leadpilot.voice import numbers as voice_numbers
from leadpilot.voice.flow import resolve
from leadpilot.voice.models import CallItem, TurnItem

FIELDS = ("first_name", "last_name", "email", "company")
_RULES = [("wrong_number", re.compile(r"wrong number|who is this|didn't call", re.I)),
          ("not_interested", re.compile(r"not interested|no thanks|stop calling|don't call", re.I)),
          ("call_back_later", re.compile(r"call (me )?back|later|busy right now|another time", re.I))]


def schema(labels: list[str]) -> dict[str, Any]:
    nullable = {"type": ["string", "null"]}
    return {"type": "object", "additionalProperties": False, "required": ["summary", "sentiment", "outcome", "fields"],
            "properties": {
                "summary": {"type": "string"},
                "sentiment": {"type": "object", "additionalProperties": False, "required": ["label", "score"],
                              "properties": {"label": {"enum": ["positive", "neutral", "negative"]},
                                             "score": {"type": "number"}}},
                "outcome": {"enum": labels},
                "fields": {"type": "object", "additionalProperties": False, "required": list(FIELDS),
                           "properties": {name: nullable for name in FIELDS}}}}


def _labels(call: CallItem) -> list[str]:
    if not call.number_id:
        return list(voice_numbers.OUTCOMES)
    config = voice_numbers.load(call.workspace_id, call.number_id,
                                call.to if call.direction == "inbound" else call.from_)
    return list(config.config["outcome_labels"])


def _text(turns: list[TurnItem]) -> str:
    lines = []
    for turn in turns:
        if turn.role == "tool":
            lines.append(f"[action {turn.tool}: {turn.result}]")
        else:
            lines.append(f"{turn.role}: {turn.text}" + (" (interrupted)" if turn.interrupted else ""))
    return "\n".join(lines)[:20000]


def online(ai: AiConfig, labels: list[str], turns: list[TurnItem]) -> tuple[dict[str, Any], int]:
    """The model's analysis (structured output) and the tokens it used."""
    messages = [{"role": "system", "content": "Analyse this phone call between a business's voice agent and a "
                                              "caller. Summarise it in two sentences, rate the caller's sentiment "
                                              "(score -1..1), pick the outcome, and extract contact fields "
                                              "the caller stated (null when not stated)."},
                {"role": "user", "content": _text(turns)}]
    used: list[int] = []
    result = structured(ai, "call_analysis", schema(labels), messages, usage=used.append)
    return result, sum(used)


def _tool_ok(turns: list[TurnItem], name: str) -> bool:
    return any(t.role == "tool" and t.tool == name and '"error"' not in (t.result or "") for t in turns)


def offline(labels: list[str], turns: list[TurnItem], call: CallItem) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    said = " ".join(t.text for t in turns if t.role == "caller")
    score = SentimentIntensityAnalyzer().polarity_scores(said)["compound"] if said else 0.0
    label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
    outcome = _rule_outcome(turns, said, label, call)
    first = next((t.text for t in turns if t.role == "caller" and t.text), "")
    actions = sorted({t.tool for t in turns if t.role == "tool" and t.tool})
    summary = f"The caller said: \"{first[:200]}\"." if first else "The caller said nothing."
    if actions:
        summary += f" The assistant used: {', '.join(str(a) for a in actions)}."
    pick = outcome if outcome in labels else ("interested" if "interested" in labels else labels[0])
    return {"summary": summary, "sentiment": {"label": label, "score": round(score, 3)}, "outcome": pick,
            "fields": {name: None for name in FIELDS}}


def _rule_outcome(turns: list[TurnItem], said: str, sentiment: str, call: CallItem) -> str:
    if _tool_ok(turns, "book_appointment") or _tool_ok(turns, "reschedule_appointment"):
        return "booked"
    if calls.details_of(call).get("handoff"):
        return "transferred"
    for outcome, pattern in _RULES:
        if pattern.search(said):
            return outcome
    if _tool_ok(turns, "create_note"):
        return "message_taken"
    return "interested" if sentiment == "positive" else "call_back_later" if sentiment == "neutral" else \
        "not_interested"


def analyze(settings: Settings, workspace_id: str, call_id: str) -> str:
    """Analyse a completed call once; returns "analyzed" or "skipped". Errors propagate (the queue retries)."""
    call = calls.get_item(workspace_id, call_id)
    if call.analysis_status != "pending":
        return "skipped"
    turns = calls.turns(workspace_id, call_id)
    labels = _labels(call)
    ai = for_workspace(settings, ai_config(), workspace_id)
    result, tokens = online(ai, labels, turns) if ai.online and turns else (offline(labels, turns, call), 0)
    if tokens:  # the analysis is part of the call: its tokens are the call's (counted past the limit: it ran)
        from leadpilot.usage import meter

        meter.charge(settings, workspace_id, "ai_tokens", tokens, enforce=False)
        call.update(actions=[CallItem.tokens.add(tokens), CallItem.tokens_charged.add(tokens)])
    analysis = {**result, "generator": ai.generator if turns else "offline", "analyzed_at": now_iso()}
    if analysis["generator"] == "offline":
        analysis["notice"] = "Analysed offline (VADER sentiment and rules): no OpenAI key is configured."
    details = {**calls.details_of(call), "analysis": analysis, "cost": calls.cost_of(call)}
    event = calls.call_event(call, "call.analyzed", outcome=analysis["outcome"], summary=analysis["summary"],
                             sentiment=analysis["sentiment"], generator=analysis["generator"])
    try:
        with transaction(settings) as txn:
            txn.update(call, actions=[CallItem.analysis_status.set("done"), CallItem.outcome.set(analysis["outcome"]),
                                      CallItem.details.set(json.dumps(details)),
                                      CallItem.updated_at.set(now_iso())],
                       condition=CallItem.analysis_status == "pending")
            txn.save(event)
    except TransactWriteError:
        if calls.get_item(workspace_id, call_id).analysis_status == "done":
            return "skipped"  # a concurrent delivery saved it
        raise
    publish_now(settings, [event])
    _fill_contact(settings, call, analysis.get("fields") or {})
    metrics.add_metric(name="CallAnalyzed", unit="Count", value=1)
    resolve(settings, call, str(analysis["outcome"]))
    return "analyzed"


def _fill_contact(settings: Settings, call: CallItem, fields: dict[str, Any]) -> None:
    """Fields the caller stated fill the contact's empty ones (never overwrite what someone entered)."""
    found = {k: str(v)[:200] for k, v in fields.items() if k in FIELDS and v}
    if not found or not call.contact_id:
        return
    item = contacts_store.get_item(call.workspace_id, call.contact_id)
    if item is None:
        return
    contact = contacts_store.to_contact(item)
    missing = {k: v for k, v in found.items() if not getattr(contact, k)}
    if not missing:
        return
    from leadpilot.contacts import service as contacts_service
    from leadpilot.voice.answer import identity_of

    try:
        contacts_service.update_contact(settings, identity_of(call.workspace_id), call.contact_id, missing)
    except Exception:  # the analysis is saved; a field the contact model refuses is not worth a retry
        logger.warning("call fields not copied to the contact", extra={"call_id": call.call_id})
