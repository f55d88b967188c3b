"""Dry run: walk a flow for one contact without side effects and say which path it takes.

An interpreter over the flow document (not Step Functions) that decides as the compiled machine does:
predicates through `flows.matching.matches` (the compiled Choice rules' semantics), loops with the compiled cap and
back-edges, callback nodes by their answer or timeout label, failures along the error edge or ending the run.
What it cannot know (replies, events, AI answers, failures) comes from `assume`.
"""
from __future__ import annotations

import json
from typing import Any

from leadpilot.automation.flows.compiler import duration_seconds, tag_key
from leadpilot.automation.flows.matching import matches
from leadpilot.automation.flows.model import (
    CALLBACK_ANSWER_LABEL,
    CALLBACK_TYPES,
    ERROR,
    NEXT,
    TASK_TYPES,
    Flow,
    Node,
    end_outcome,
    loop_cap,
)
from leadpilot.automation.flows.templates import render
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs import snapshot
from leadpilot.automation.runs.drafts import get_flow
from leadpilot.automation.runs.models import FlowVersionItem
from leadpilot.errors import NotFound, ValidationFailed
from leadpilot.identity.entities import Identity

MAX_STEPS = 500
_PREVIEWED = ("body", "subject", "title", "description", "tag", "url", "prompt", "message")


def dry_run(identity: Identity, flow_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Simulate the flow's draft (or a published version) for a contact; returns the path and action previews."""
    flow, version = _flow(identity, flow_id, body.get("version"))
    return {"flow_id": flow_id, "version": version, **simulate(identity, flow, body)}


def dry_run_document(identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """Simulate an unsaved flow document (validated as a saved one would be) for a contact."""
    return {"flow_id": None, "version": None, **simulate(identity, validate_flow(body["flow"]), body)}


def simulate(identity: Identity, flow: Flow, body: dict[str, Any]) -> dict[str, Any]:
    """Walk a validated flow for body["contact_id"] with body's trigger data, variables and assumptions."""
    contact = snapshot.load(identity.workspace_id, body["contact_id"])
    if contact is None:
        raise NotFound("contact not found", {"field": "contact_id"})
    context: dict[str, Any] = {"contact": snapshot.of(contact), "vars": dict(body.get("variables") or {}),
                               "trigger": {"type": flow.trigger.get("event"), "data": body.get("trigger") or {}},
                               "nodes": {}, "loops": {}, "workspace": {"id": identity.workspace_id}}
    walk = _Walk(flow, context, body.get("assume") or {})
    outcome = walk.run()
    return {"contact_id": body["contact_id"], "outcome": outcome, "path": [s["node"] for s in walk.steps],
            "steps": walk.steps, "variables": context["vars"]}


def _flow(identity: Identity, flow_id: str, version: int | None) -> tuple[Flow, int | None]:
    view = get_flow(identity, flow_id)
    if version is None:
        return validate_flow(view.document), None
    try:
        item = FlowVersionItem.get(f"WS#{identity.workspace_id}#FLOW#{flow_id}", f"VERSION#{int(version):06d}")
    except FlowVersionItem.DoesNotExist as exc:
        raise ValidationFailed.field("version", f"the flow has no published version {version}") from exc
    return validate_flow(json.loads(item.document)), int(version)


class _Walk:
    def __init__(self, flow: Flow, context: dict[str, Any], assume: dict[str, Any]) -> None:
        self.flow, self.ctx, self.assume = flow, context, assume
        self.steps: list[dict[str, Any]] = []

    def run(self) -> str:
        previous, node_id = None, self.flow.first_node
        while len(self.steps) < MAX_STEPS:
            node = self.flow.nodes[node_id]
            step: dict[str, Any] = {"node": node_id, "type": node.type}
            self.steps.append(step)
            if node.type == "end":
                step["outcome"] = end_outcome(node)
                return "ended"
            if node_id in set(self.assume.get("failures") or []) and node.type in TASK_TYPES:
                step["failed"] = True
                if ERROR not in self.flow.outgoing(node_id):
                    return "failed"
                label = ERROR
            else:
                taken = self._step(node, step, previous)
                if taken is None:
                    return "failed"
                label = taken
            step["label"] = label
            previous, node_id = node_id, self.flow.outgoing(node_id)[label]
        return "step_limit"

    def _render(self, value: Any) -> Any:
        if isinstance(value, str):
            return render(value, self.ctx)
        if isinstance(value, dict):
            return {k: self._render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._render(v) for v in value]
        return value

    def _step(self, node: Node, step: dict[str, Any], previous: str | None) -> str | None:
        """Record what the node would do and return the label of the edge it takes (None: the run fails)."""
        cfg, kind = node.config, node.type
        if kind == "condition":
            forced = (self.assume.get("conditions") or {}).get(node.id)
            result = forced if isinstance(forced, bool) else matches(cfg["if"], self.ctx)
            step["assumed"] = isinstance(forced, bool)
            return "true" if result else "false"
        if kind == "branch":
            forced = (self.assume.get("conditions") or {}).get(node.id)
            labels = [c["label"] for c in cfg["cases"]] + ["else"]
            if isinstance(forced, str) and forced in labels:
                step["assumed"] = True
                return str(forced)
            return next((c["label"] for c in cfg["cases"] if matches(c["if"], self.ctx)), "else")
        if kind == "loop":
            return self._loop(node, step, previous)
        if kind == "ai_condition":
            labels = cfg.get("labels") or ["yes", "no"]
            answer = (self.assume.get("labels") or {}).get(node.id)
            step["assumed"] = answer in labels
            label = answer if answer in labels else cfg.get("default", labels[-1])
            self.ctx["nodes"][node.id] = {"label": label}
            return str(label)
        if kind in CALLBACK_TYPES:
            source = "replies" if kind == "wait_for_reply" else "events"
            answered = bool((self.assume.get(source) or {}).get(node.id, False))
            step["wait"] = {"timeout_s": duration_seconds(cfg.get("timeout") or {}), "answered": answered}
            self.ctx["nodes"][node.id] = {"replied": True, "text": ""} if answered else {}
            return CALLBACK_ANSWER_LABEL[kind] if answered else "timeout"
        if kind == "delay":
            step["wait"] = ({"seconds": duration_seconds(cfg)} if "until" not in cfg and not any(
                k in cfg for k in ("time_of_day", "weekdays", "between_hours")) else {"until": self._render(cfg)})
            return NEXT
        if kind == "set_variable":
            value = self._render(cfg.get("value"))
            self.ctx["vars"][cfg["variable"]] = value
            step["preview"] = {"variable": cfg["variable"], "value": value}
            return NEXT
        return self._action(node, step)

    def _loop(self, node: Node, step: dict[str, Any], previous: str | None) -> str:
        loops = self.ctx["loops"]
        if previous is None or (previous != node.id and previous not in _loop_region(self.flow, node.id)):
            loops[node.id] = {"count": 0}  # entered from outside: the compiled @init resets the counter
        count = loops.setdefault(node.id, {"count": 0})["count"]
        step["iteration"] = count
        if count >= loop_cap(node) or ("until" in node.config and matches(node.config["until"], self.ctx)):
            return "done"
        loops[node.id] = {"count": count + 1}
        return "body"

    def _action(self, node: Node, step: dict[str, Any]) -> str | None:
        cfg, kind, contact = node.config, node.type, self.ctx["contact"]
        preview = {k: self._render(v) for k, v in cfg.items() if k in _PREVIEWED}
        if kind in ("send_sms", "send_email"):
            to = contact.get("phone") if kind == "send_sms" else contact.get("email")
            preview.update(channel=kind.removeprefix("send_"), to=to)
            if not to:
                missing = "phone" if kind == "send_sms" else "email"
                step.update(preview=preview, failed=True, reason=f"the contact has no {missing}")
                return ERROR if ERROR in self.flow.outgoing(node.id) else None
            if contact.get("do_not_contact"):
                preview["sent"], preview["reason"] = False, "do_not_contact"
        elif kind in ("add_tag", "remove_tag"):
            tags = [t for t in contact.get("tags") or [] if t != preview["tag"]]
            contact["tags"] = [*tags, preview["tag"]] if kind == "add_tag" else tags
            contact["tag_flags"] = {tag_key(t): True for t in contact["tags"]}
        elif kind == "update_contact":
            fields = self._render(cfg.get("fields") or {})
            for key, value in fields.items():
                group, _, name = key.partition(".")
                if name:
                    contact.setdefault(group, {})[name] = value
                else:
                    contact[key] = value
            preview["fields"] = fields
        elif kind not in ("create_task", "move_stage"):
            preview = self._render(cfg)
            step["note"] = "not simulated: its result is not known in a dry run"
        else:
            preview.update({k: v for k, v in cfg.items() if k in ("pipeline_id", "stage_id", "assignee", "due_in")})
        step["preview"] = preview
        self.ctx["nodes"][node.id] = {}
        return NEXT if NEXT in self.flow.outgoing(node.id) else next(iter(self.flow.outgoing(node.id)))


def _loop_region(flow: Flow, loop_id: str) -> set[str]:
    """Nodes reachable from the loop's body without passing through the loop (their edges back are back-edges)."""
    start = flow.outgoing(loop_id).get("body")
    seen: set[str] = set()
    stack = [start] if start and start != loop_id else []
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack += [t for t in flow.outgoing(current).values() if t != loop_id]
    return seen
