"""Flows from a sentence without a model: the common patterns, with their numbers read from the sentence.

Known patterns (PATTERNS): follow up until reply, welcome series, stage-change notification, appointment
reminders. Each reads what it can ("every 3 days", "at most 4 times", "by email", "tagged vip") and falls back
to sensible defaults; anything else is refused with the list of patterns, never guessed.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from leadpilot.errors import ValidationFailed

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "once": 1, "twice": 2, "a": 1, "an": 1}
_NUM = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|an)"
_UNITS = {"minute": ("minutes", 1), "hour": ("hours", 1), "day": ("days", 1), "week": ("days", 7)}
PATTERNS = {
    "follow_up_until_reply": "Follow up until reply: 'Text new leads every 3 days until they reply, at most 4 "
                             "times' (reads the interval, the count, sms/email and a tag trigger)",
    "welcome_series": "Welcome series: 'Send a welcome series of 3 emails, 2 days apart, to new contacts'",
    "stage_change_notification": "Stage-change notification: 'Notify me when a deal moves to a new stage'",
    "appointment_reminders": "Appointment reminders: 'Remind contacts of their appointment 1 day and "
                             "1 hour before by SMS'",
}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def interval(text: str, default: dict[str, int]) -> dict[str, int]:
    """'every 3 days' / 'every day' / '2 days apart' as a duration; the default when absent."""
    match = (re.search(rf"every\s+(?:{_NUM}\s+)?(minute|hour|day|week)s?", text)
             or re.search(rf"{_NUM}\s+(minute|hour|day|week)s?\s+(?:apart|between|later|after each)", text))
    if not match:
        return dict(default)
    count = _number(match.group(1)) if match.group(1) else 1
    unit, factor = _UNITS[match.group(2)]
    return {unit: max(1, count * factor)}


def times(text: str, default: int, cap: int = 20) -> int:
    """'at most 4 times' / 'up to 3 follow-ups' / '5 times' / 'series of 3'; bounded by cap."""
    match = (re.search(rf"(?:at most|up to|no more than|maximum of|max(?:imum)?)\s+{_NUM}", text)
             or re.search(rf"{_NUM}\s+(?:times|follow[\s-]?ups?|attempts|nudges|reminders|messages|emails|texts)",
                          text)
             or re.search(rf"series of\s+{_NUM}", text) or re.search(r"\b(once|twice)\b", text))
    if not match:
        return default
    return max(1, min(cap, _number(match.group(1))))


def channel(text: str, default: str = "sms") -> str:
    if re.search(r"\be-?mails?\b", text):
        return "email"
    if re.search(r"\b(sms|texts?|texting|messages?)\b", text):
        return "sms"
    return default


def tag_trigger(text: str) -> dict[str, Any] | None:
    """A tag trigger when the sentence names one: 'tagged vip', 'with the tag "new-lead"', '"hot" tag'."""
    match = (re.search(r"tag(?:ged)?\s+(?:with\s+|as\s+)?(?:the\s+)?(?:tag\s+)?[\"'“]?([a-z0-9][\w-]{0,63})", text)
             or re.search(r"[\"'“]([a-z0-9][\w -]{0,63})[\"'”]\s+tag", text))
    if not match or match.group(1) in ("with", "as", "the", "a"):
        return None
    return {"event": "contact.tag_added", "filters": [{"var": "trigger.data.tag", "op": "eq",
                                                       "value": match.group(1).strip()}]}


def _send(node_id: str, kind: str, body: str, subject: str) -> dict[str, Any]:
    if kind == "email":
        return {"id": node_id, "type": "send_email", "subject": subject, "body": body}
    return {"id": node_id, "type": "send_sms", "body": body}


def _chain(ids: list[str]) -> list[dict[str, str]]:
    return [{"from": a, "to": b} for a, b in itertools.pairwise(ids)]


def follow_up_until_reply(text: str, name: str | None) -> dict[str, Any]:
    every, count, kind = interval(text, {"days": 3}), times(text, 3), channel(text)
    hand_over = bool(re.search(r"\b(task|call|owner|hand ?(?:off|over))\b", text))
    trigger = tag_trigger(text) or {"event": "contact.created"}
    nodes: list[dict[str, Any]] = [
        {"id": "start", "type": "trigger"},
        _send("first", kind, "Hi {{contact.first_name|there}}, thanks for your interest! Any questions?",
              "Thanks for your interest"),
        {"id": "follow_ups", "type": "loop", "max_iterations": count},
        {"id": "wait_reply", "type": "wait_for_reply", "channel": kind, "timeout": every},
        _send("nudge", kind, "Hi {{contact.first_name|there}}, just following up - are you still interested?",
              "Just following up"),
        {"id": "last_wait", "type": "wait_for_reply", "channel": kind, "timeout": every},
        {"id": "replied", "type": "end", "outcome": "replied"},
        {"id": "max_follow_ups", "type": "end", "outcome": "max_follow_ups"},  # runs' outcomes name the exit
    ]
    edges = [{"from": "start", "to": "first"}, {"from": "first", "to": "follow_ups"},
             {"from": "follow_ups", "to": "wait_reply", "label": "body"},
             {"from": "follow_ups", "to": "last_wait", "label": "done"},
             {"from": "wait_reply", "to": "replied", "label": "reply"},
             {"from": "wait_reply", "to": "nudge", "label": "timeout"}, {"from": "nudge", "to": "follow_ups"},
             {"from": "last_wait", "to": "replied", "label": "reply"}]
    if hand_over:
        nodes.insert(-2, {"id": "owner_task", "type": "create_task", "assignee": "owner", "due_in": {"days": 1},
                          "title": "Call {{contact.first_name|this lead}}: no reply to follow-ups"})
        edges += [{"from": "last_wait", "to": "owner_task", "label": "timeout"},
                  {"from": "owner_task", "to": "max_follow_ups"}]
    else:
        edges.append({"from": "last_wait", "to": "max_follow_ups", "label": "timeout"})
    unit, amount = next(iter(every.items()))
    return {"name": name or f"Follow up every {amount} {unit} until reply ({kind}, at most {count} follow-ups)",
            "trigger": trigger, "nodes": nodes, "edges": edges}


def welcome_series(text: str, name: str | None) -> dict[str, Any]:
    gap, count, kind = interval(text, {"days": 2}), times(text, 3, cap=10), channel(text, "email")
    trigger = tag_trigger(text) or {"event": "contact.created"}
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "trigger"},
                                   _send("welcome_1", kind, "Welcome, {{contact.first_name|there}}! "
                                         "We are glad to have you.", "Welcome!")]
    ids = ["start", "welcome_1"]
    for step in range(2, count + 1):
        nodes.append({"id": f"wait_{step}", "type": "delay", **gap})
        nodes.append(_send(f"welcome_{step}", kind, f"Hi {{{{contact.first_name|there}}}}, here is tip {step - 1} "
                           "to get the most out of working with us.", f"Getting started, part {step}"))
        ids += [f"wait_{step}", f"welcome_{step}"]
    nodes.append({"id": "done", "type": "end", "outcome": "welcomed"})
    return {"name": name or f"Welcome series ({count} {kind} messages)", "trigger": trigger, "nodes": nodes,
            "edges": _chain([*ids, "done"])}


def stage_change_notification(text: str, name: str | None) -> dict[str, Any]:
    notify_contact = bool(re.search(r"\b(notify|tell|text|email) (the |our )?(contact|customer|client|lead)s?\b",
                                    text))
    kind = channel(text, "email")
    action: dict[str, Any]
    if notify_contact:
        action = _send("notify", kind, "Hi {{contact.first_name|there}}, your request {{trigger.data.name|}} "
                       "has moved to its next step.", "An update on your request")
    else:
        action = {"id": "notify", "type": "create_task", "assignee": "owner", "due_in": {"hours": 4},
                  "title": "Deal {{trigger.data.name|}} changed stage",
                  "description": "The deal moved from stage {{trigger.data.from_stage_id|?}} to "
                                 "{{trigger.data.to_stage_id|?}}."}
    return {"name": name or "Stage change notification", "trigger": {"event": "pipeline.stage_changed"},
            "nodes": [{"id": "start", "type": "trigger"}, action, {"id": "done", "type": "end"}],
            "edges": _chain(["start", "notify", "done"])}


def _befores(text: str) -> list[dict[str, int]]:
    found = [(_number(n), u) for n, u in re.findall(rf"{_NUM}\s+(minute|hour|day|week)s?", text)]
    spans = [{_UNITS[u][0]: n * _UNITS[u][1]} for n, u in found]
    spans.sort(key=lambda d: -(d.get("days", 0) * 1440 + d.get("hours", 0) * 60 + d.get("minutes", 0)))
    return spans or [{"days": 1}, {"hours": 1}]


def appointment_reminders(text: str, name: str | None) -> dict[str, Any]:
    kind = channel(text)
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "trigger"}]
    ids = ["start"]
    for i, before in enumerate(_befores(text)[:5], start=1):
        unit, amount = next(iter(before.items()))
        nodes.append({"id": f"until_{i}", "type": "delay",
                      "until": {"field": "trigger.data.starts_at", "before": before}})
        nodes.append(_send(f"remind_{i}", kind, f"Hi {{{{contact.first_name|there}}}}, a reminder: your "
                           f"appointment is in {amount} {unit}.", "Appointment reminder"))
        ids += [f"until_{i}", f"remind_{i}"]
    nodes.append({"id": "done", "type": "end"})
    return {"name": name or "Appointment reminders", "trigger": {"event": "appointment.booked"}, "nodes": nodes,
            "edges": _chain([*ids, "done"])}


_RULES: list[tuple[str, Callable[[str], bool], Callable[[str, str | None], dict[str, Any]]]] = [
    ("appointment_reminders", lambda t: bool(re.search(r"appointment|booking|meeting", t)
                                             and re.search(r"remind", t)), appointment_reminders),
    ("stage_change_notification", lambda t: bool(re.search(r"\bstages?\b|pipeline", t)
                                                 and re.search(r"notif|alert|tell|let .* know|task|email|text",
                                                               t)), stage_change_notification),
    ("welcome_series", lambda t: bool(re.search(r"welcome|onboard", t)), welcome_series),
    ("follow_up_until_reply", lambda t: bool(re.search(r"follow[\s-]?s?\s*up|followup|nudge|until .*"
                                                       r"(repl|respon|answer)", t)), follow_up_until_reply),
]


def build(prompt: str, name: str | None = None) -> tuple[str, dict[str, Any]]:
    """(pattern, flow document) for a sentence; ValidationFailed listing the known patterns otherwise."""
    text = " ".join(prompt.lower().split())
    for pattern, recognises, builder in _RULES:
        if recognises(text):
            return pattern, builder(text, name)
    raise ValidationFailed(
        "prompt: the offline flow builder (no OpenAI key is configured) does not recognise this request; "
        "it knows: " + "; ".join(PATTERNS.values()),
        {"errors": [{"field": "prompt", "message": "not a pattern the offline builder knows"}],
         "generator": "offline", "patterns": [{"pattern": k, "example": v} for k, v in PATTERNS.items()]})
