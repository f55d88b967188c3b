"""A sequence as a flow document: the automation runtime runs it (validated, compiled, published by its code).

    trigger -> [window1] -> send1 -> wait2 (wait_for_reply, timeout = days to step 2) -> [window2] -> send2
            -> ... -> sendN -> last (wait_for_reply, timeout = reply_window_days) -> completed
    every wait's `reply` edge -> replied (end)

The wait_for_reply nodes are both the Day 1/3/7 spacing and the exit on reply; a `windowN` delay node
(between_hours / weekdays / timezone "contact") holds a step until the contact's send window opens.
"""
from __future__ import annotations

from typing import Any

from leadpilot.errors import ValidationFailed
from leadpilot.messages.templates import variables

DEFAULT_REPLY_WINDOW_DAYS = 3


def check_steps(steps: list[dict[str, Any]]) -> None:
    """Days increase; every subject and body uses known variables only (422 naming steps/<i>/<field>)."""
    previous = 0
    for i, step in enumerate(steps):
        if step["day"] <= previous:
            raise ValidationFailed.field(f"steps/{i}/day", "must be later than the previous step's day")
        previous = step["day"]
        for name in ("subject", "body"):
            variables(step[name], f"steps/{i}/{name}")


def _window_node(nid: str, window: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"id": nid, "type": "delay",
                            "between_hours": {"from": window["from_hour"], "to": window["to_hour"]},
                            "timezone": window.get("timezone") or "contact"}
    if window.get("weekdays"):
        node["weekdays"] = window["weekdays"]
    return node


def _flow_text(text: str) -> str:
    """Sequence variables in the runtime's syntax: `{{first_name}}` -> `{{contact.first_name}}`."""
    import re

    def canonical(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if "." not in name:
            name = f"workspace.{name}" if name == "business_name" else f"contact.{name}"
        return "{{" + name + (f"|{match.group(2)}" if match.group(2) is not None else "") + "}}"

    return re.sub(r"\{\{\s*([^{}|]*?)\s*(?:\|([^{}|]*))?\}\}", canonical, text)


def to_flow(definition: dict[str, Any]) -> dict[str, Any]:
    """The flow document of a (validated) sequence definition."""
    steps, window = definition["steps"], definition.get("send_window")
    trigger: dict[str, Any] = dict(definition.get("trigger") or {"event": "manual"})
    trigger["reentry"] = bool(definition.get("reentry"))
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "trigger"}]
    edges: list[dict[str, str]] = []
    previous, day = "start", 1
    for i, step in enumerate(steps, start=1):
        gap = step["day"] - day
        day = step["day"]
        if gap > 0:
            nodes.append({"id": f"wait{i}", "type": "wait_for_reply", "channel": "email", "timeout": {"days": gap}})
            edges += [{"from": previous, "to": f"wait{i}"}, {"from": f"wait{i}", "to": "replied", "label": "reply"}]
            previous, label = f"wait{i}", "timeout"
        else:
            label = ""
        if window:
            nodes.append(_window_node(f"window{i}", window))
            edges.append({"from": previous, "to": f"window{i}", **({"label": label} if label else {})})
            previous, label = f"window{i}", ""
        nodes.append({"id": f"send{i}", "type": "send_email", "subject": _flow_text(step["subject"]),
                      "body": _flow_text(step["body"])})
        edges.append({"from": previous, "to": f"send{i}", **({"label": label} if label else {})})
        previous = f"send{i}"
    days = int(definition.get("reply_window_days") or DEFAULT_REPLY_WINDOW_DAYS)
    nodes += [{"id": "last", "type": "wait_for_reply", "channel": "email", "timeout": {"days": days}},
              {"id": "replied", "type": "end", "outcome": "replied"},
              {"id": "completed", "type": "end", "outcome": "completed"}]
    edges += [{"from": previous, "to": "last"}, {"from": "last", "to": "replied", "label": "reply"},
              {"from": "last", "to": "completed", "label": "timeout"}]
    return {"name": f"Sequence: {definition['name']}"[:120], "trigger": trigger, "nodes": nodes, "edges": edges}


def step_of(node: str | None) -> int | None:
    """The 1-based step a flow node sends (send<i>), else None."""
    return int(node[4:]) if node and node.startswith("send") and node[4:].isdigit() else None
