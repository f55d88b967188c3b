"""Compile a validated flow to an Amazon States Language (Standard) state machine; see ADR 0006."""
from __future__ import annotations

import re
from typing import Any

from leadpilot.automation.flows.model import (
    ACTION_TYPES,
    AI_CALL_TIMEOUT_S,
    CALLBACK_ANSWER_LABEL,
    CALLBACK_TYPES,
    ERROR,
    NEXT,
    Flow,
    Node,
    end_outcome,
    loop_cap,
)
from leadpilot.automation.flows.templates import references

SEND_AND_WAIT = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
DISPATCH = "@dispatch"
FAILED = "@failed"
REST, RESTED = "@rest", "@rested"  # a resumed delay's remaining wait, then on from that delay
TRANSIENT_ERROR = "LeadPilot.Transient"
# Retries of an action after LeadPilot.Transient, 2 s then 4 s apart: three attempts in all. ASL's MaxAttempts
# counts the retries after the first attempt (AWS; the local cloud's moto is patched to agree, ADR 0006).
TRANSIENT_RETRIES = 2
# An action the worker never answers is failed after this long (not time-scaled: it guards a lost worker).
ACTION_TIMEOUT_S = 3600
_DURATION_S = {"minutes": 60, "hours": 3600, "days": 86400}
_CLOCK_KEYS = ("until", "time_of_day", "weekdays", "between_hours")
_NUMERIC = {"eq": "NumericEquals", "gt": "NumericGreaterThan", "gte": "NumericGreaterThanEquals",
            "lt": "NumericLessThan", "lte": "NumericLessThanEquals"}
_STRING = {"eq": "StringEquals", "gt": "StringGreaterThan", "gte": "StringGreaterThanEquals",
           "lt": "StringLessThan", "lte": "StringLessThanEquals"}


def compile_flow(flow: Flow, *, action_queue_url: str, time_scale: float = 1.0, flow_id: str,
                 version: int, entry: bool = False) -> dict[str, Any]:
    """The ASL definition of a flow: a few states per node, starting at the first node. With `entry`, the
    machine that runs are restarted, resumed and recovered in: a dispatcher Choice first, which enters at the
    input's `start_at` node (ADR 0006); new runs do without it, one state transition fewer each."""
    return _Compiler(flow, action_queue_url, time_scale, flow_id, version).build(entry)


def initial_input(run: dict[str, Any], contact: dict[str, Any], trigger: dict[str, Any], *,
                  start_at: str | None = None, variables: dict[str, Any] | None = None,
                  nodes: dict[str, Any] | None = None, loops: dict[str, Any] | None = None,
                  resume_until: str | None = None) -> dict[str, Any]:
    """The execution input of a run (state layout of ADR 0006); start_at enters at that node, and a delay
    entered with `resume_until` (a resumed run) waits until then instead of its whole duration."""
    state: dict[str, Any] = {"run": run, "contact": contact, "trigger": trigger, "vars": variables or {},
                             "nodes": nodes or {}, "loops": loops or {}}
    if start_at is not None:
        state["start_at"] = start_at
        if resume_until is not None:
            state["resume_until"] = resume_until
    return state


def tag_key(tag: str) -> str:
    """The key of a tag in a contact snapshot's `tag_flags` (the action worker must use the same)."""
    return re.sub(r"[^a-z0-9_]", "_", tag.strip().lower()) or "_"


def duration_seconds(spec: dict[str, Any]) -> int:
    """Seconds in a {minutes, hours, days} duration."""
    return sum(int(spec.get(unit, 0)) * factor for unit, factor in _DURATION_S.items())


def states_per_node(flow: Flow, asl: dict[str, Any]) -> dict[str, float]:
    """Compiler efficiency: states emitted for the flow's nodes (the trigger excluded) and the ratio."""
    nodes = len(flow.nodes) - 1
    states = len(asl["States"])
    overhead = sum(1 for name in (DISPATCH, FAILED, REST, RESTED) if name in asl["States"])
    return {"nodes": nodes, "states": states, "node_states": states - overhead,
            "states_per_node": round((states - overhead) / nodes, 2)}


class _Compiler:
    def __init__(self, flow: Flow, queue_url: str, time_scale: float, flow_id: str, version: int) -> None:
        self.flow, self.queue_url, self.scale = flow, queue_url, time_scale
        self.flow_id, self.version = flow_id, version
        self.states: dict[str, dict[str, Any]] = {}
        self.loop_regions = {n.id: self._loop_region(n) for n in flow.nodes.values() if n.type == "loop"}

    def build(self, entry: bool) -> dict[str, Any]:
        first = self._entry(self.flow.first_node)
        if entry:
            self._dispatcher(first)
        for node in self.flow.nodes.values():
            if node.type != "trigger":
                self._node(node)
        if any(_catches_to(state, FAILED) for state in self.states.values()):
            self.states[FAILED] = {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
        return {"Comment": f"LeadPilot flow {self.flow_id} v{self.version}: {self.flow.name}"
                           + (" (entry at any node)" if entry else ""),
                "StartAt": DISPATCH if entry else first, "States": self.states}

    def _dispatcher(self, first: str) -> None:
        """The Choice that enters at `$.start_at` (or the first node), and the rest of a resumed delay."""
        rules: list[dict[str, Any]] = [{"Variable": "$.start_at", "IsPresent": False, "Next": first}]
        delays = [n.id for n in self.flow.nodes.values() if n.type == "delay" and not _is_clock_delay(n)]
        if delays:  # a run resumed inside a delay waits out what was left of it, then goes on from that delay
            rules.append({"And": [{"Variable": "$.resume_until", "IsPresent": True},
                                  {"Or": [{"Variable": "$.start_at", "StringEquals": d} for d in delays]}
                                  if len(delays) > 1 else {"Variable": "$.start_at", "StringEquals": delays[0]}],
                          "Next": REST})
        rules += [{"Variable": "$.start_at", "StringEquals": n.id, "Next": self._entry(n.id)}
                  for n in self.flow.nodes.values() if n.type != "trigger"]
        self.states[DISPATCH] = {"Type": "Choice", "Choices": rules, "Default": first}
        if delays:
            self.states[REST] = {"Type": "Wait", "TimestampPath": "$.resume_until", "Next": RESTED}
            self.states[RESTED] = {"Type": "Choice", "Choices": [
                {"Variable": "$.start_at", "StringEquals": d, "Next": self._target(d, NEXT)} for d in delays]}

    # -- graph helpers -------------------------------------------------------------------------------
    def _loop_region(self, loop: Node) -> set[str]:
        """Nodes reachable from the loop's body without passing through the loop: their edges back are back-edges."""
        start = self.flow.outgoing(loop.id).get("body")
        seen: set[str] = set()
        stack = [start] if start and start != loop.id else []
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack += [t for t in self.flow.outgoing(current).values() if t != loop.id]
        return seen

    def _entry(self, node_id: str) -> str:
        node = self.flow.nodes[node_id]
        if node.type == "loop":
            return f"{node_id}@init"
        if node.type in ("condition", "branch") and _contact_refs(node):
            return f"{node_id}@load"
        if node.type == "delay" and _is_clock_delay(node):
            return f"{node_id}@at"
        if node.type == "set_variable" and _templated(node.config.get("value")):
            return f"{node_id}@render"
        return node_id

    def _target(self, source: str, label: str) -> str:
        """The state an edge leads to; a Loop's back-edges skip its counter reset."""
        target = self.flow.outgoing(source)[label]
        node = self.flow.nodes[target]
        if node.type == "loop" and (source == target or source in self.loop_regions[target]):
            return f"{target}@load" if _contact_refs(node) else target
        return self._entry(target)

    def _on_error(self, node: Node) -> str:
        return self._target(node.id, ERROR) if ERROR in self.flow.outgoing(node.id) else FAILED

    def _seconds(self, spec: dict[str, Any]) -> int:
        return max(1, round(duration_seconds(spec) * self.scale))

    # -- states --------------------------------------------------------------------------------------
    def _task(self, node: Node, action: str, result_path: str, next_state: str, *,
              timeout_s: int = ACTION_TIMEOUT_S, retry: bool = True) -> dict[str, Any]:
        body = {"token.$": "$$.Task.Token", "execution.$": "$$.Execution.Id", "state.$": "$$.State.Name",
                "attempt.$": "$$.State.RetryCount", "flow": {"id": self.flow_id, "version": self.version},
                "time_scale": _decimal(self.scale), "node": node.id, "action": action, "config": node.config,
                "context.$": "$"}
        state: dict[str, Any] = {
            "Type": "Task", "Resource": SEND_AND_WAIT,
            "Parameters": {"QueueUrl": self.queue_url, "MessageBody": body},
            "TimeoutSeconds": timeout_s, "ResultPath": result_path, "Next": next_state}
        if retry:
            state["Retry"] = [{"ErrorEquals": [TRANSIENT_ERROR], "IntervalSeconds": 2, "MaxAttempts": TRANSIENT_RETRIES,
                               "BackoffRate": 2.0}]
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": self._on_error(node)}]
        return state

    def _node(self, node: Node) -> None:
        nid, cfg, out = node.id, node.config, self.flow.outgoing(node.id)
        if node.type == "end":  # a terminal Pass, not Succeed: the output says which end the run took
            self.states[nid] = {"Type": "Pass", "Result": end_outcome(node), "ResultPath": "$.outcome", "End": True}
        elif node.type == "set_variable":
            self._set_variable(node)
        elif node.type == "delay":
            if _is_clock_delay(node):
                self.states[f"{nid}@at"] = self._task(node, "compute_wait", f"$.nodes.{nid}", nid)
                self.states[nid] = {"Type": "Wait", "TimestampPath": f"$.nodes.{nid}.until",
                                    "Next": self._target(nid, NEXT)}
            else:
                self.states[nid] = {"Type": "Wait", "Seconds": self._seconds(cfg), "Next": self._target(nid, NEXT)}
        elif node.type in ("condition", "branch"):
            cases = [("true", cfg["if"])] if node.type == "condition" else [(c["label"], c["if"]) for c in cfg["cases"]]
            default = "false" if node.type == "condition" else "else"
            self._load_contact(node, nid)
            self.states[nid] = {"Type": "Choice",
                                "Choices": [{**_rule(pred), "Next": self._target(nid, lb)} for lb, pred in cases],
                                "Default": self._target(nid, default)}
        elif node.type == "loop":
            self._loop(node)
        elif node.type == "ai_condition":
            labels = cfg.get("labels") or ["yes", "no"]
            self.states[nid] = self._task(node, "ai_condition", f"$.nodes.{nid}", f"{nid}@route")
            self.states[f"{nid}@route"] = {
                "Type": "Choice",
                "Choices": [{"Variable": f"$.nodes.{nid}.label", "StringEquals": lb, "Next": self._target(nid, lb)}
                            for lb in labels],
                "Default": self._target(nid, cfg.get("default", labels[-1]))}
        elif node.type == "ai_call":
            self._ai_call(node)
        elif node.type in CALLBACK_TYPES:
            state = self._task(node, node.type, f"$.nodes.{nid}", self._target(nid, CALLBACK_ANSWER_LABEL[node.type]),
                               timeout_s=self._seconds(cfg["timeout"]), retry=False)
            state["Catch"].insert(0, {"ErrorEquals": ["States.Timeout"], "ResultPath": f"$.nodes.{nid}",
                                      "Next": self._target(nid, "timeout")})
            self.states[nid] = state
        elif node.type in ACTION_TYPES:
            sets_vars = bool(cfg.get("response_mapping") or cfg.get("save_as"))
            after = f"{nid}@vars" if sets_vars else self._target(nid, NEXT)
            self.states[nid] = self._task(node, node.type, f"$.nodes.{nid}", after)
            if sets_vars:
                self._merge_vars(nid)
        else:  # pragma: no cover - the schema admits no other type
            raise ValueError(f"cannot compile node type {node.type!r} ({sorted(out)})")

    def _ai_call(self, node: Node) -> None:
        """Place the call and wait for it (the call's end or its analysis answers the token with its outcome),
        then route on the outcome: a listed label with an edge, voicemail, no_answer, else answered."""
        nid, out = node.id, self.flow.outgoing(node.id)
        timeout = self._seconds(node.config["timeout"]) if "timeout" in node.config else AI_CALL_TIMEOUT_S
        state = self._task(node, "ai_call", f"$.nodes.{nid}", f"{nid}@route", timeout_s=timeout, retry=False)
        state["Catch"].insert(0, {"ErrorEquals": ["States.Timeout"], "ResultPath": f"$.nodes.{nid}",
                                  "Next": self._target(nid, "timeout" if "timeout" in out else "no_answer")})
        self.states[nid] = state
        labels = [lb for lb in node.config.get("outcomes") or [] if lb in out] + ["voicemail", "no_answer"]
        self.states[f"{nid}@route"] = {
            "Type": "Choice",
            "Choices": [{"And": [{"Variable": f"$.nodes.{nid}.outcome", "IsPresent": True},
                                 {"Variable": f"$.nodes.{nid}.outcome", "StringEquals": lb}],
                         "Next": self._target(nid, lb)} for lb in labels],
            "Default": self._target(nid, "answered")}

    def _merge_vars(self, nid: str, name: str | None = None) -> None:
        # The worker answers {"vars": <all run variables, updated>}: copy them over the run's variables.
        self.states[name or f"{nid}@vars"] = {"Type": "Pass", "InputPath": f"$.nodes.{nid}.vars",
                                               "ResultPath": "$.vars", "Next": self._target(nid, NEXT)}

    def _set_variable(self, node: Node) -> None:
        nid, value = node.id, node.config.get("value")
        if _templated(value):  # rendering with defaults needs the worker; literals stay native
            self.states[f"{nid}@render"] = self._task(node, "set_variable", f"$.nodes.{nid}", nid)
            self._merge_vars(nid, name=nid)
        else:
            self.states[nid] = {"Type": "Pass", "Result": value, "ResultPath": f"$.vars.{node.config['variable']}",
                                "Next": self._target(nid, NEXT)}

    def _load_contact(self, node: Node, then: str) -> None:
        if _contact_refs(node):
            load = self._task(node, "load_contact", "$.contact", then)
            self.states[f"{node.id}@load"] = load

    def _loop(self, node: Node) -> None:
        nid, counter = node.id, f"$.loops.{node.id}"
        check = f"{nid}@load" if _contact_refs(node) else nid
        body = self._target(nid, "body")
        if "until" in node.config:
            self.states[f"{nid}@init"] = {"Type": "Pass", "Result": {"count": 0}, "ResultPath": counter, "Next": check}
        else:  # the first check always passes (the cap is at least 1): enter the first pass with its count set
            self.states[f"{nid}@init"] = {"Type": "Pass", "Result": {"count": 1}, "ResultPath": counter, "Next": body}
        self._load_contact(node, nid)
        done = self._target(nid, "done")
        rules: list[dict[str, Any]] = [
            {"Variable": f"{counter}.count", "IsPresent": False, "Next": f"{nid}@init"},
            {"Variable": f"{counter}.count", "NumericGreaterThanEquals": loop_cap(node), "Next": done}]
        if "until" in node.config:
            rules.append({**_rule(node.config["until"]), "Next": done})
        self.states[nid] = {"Type": "Choice", "Choices": rules, "Default": f"{nid}@next"}
        self.states[f"{nid}@next"] = {"Type": "Pass", "Parameters": {"count.$": f"States.MathAdd({counter}.count, 1)"},
                                      "ResultPath": counter, "Next": body}


def _decimal(value: float) -> str:
    """A float as a plain decimal string: moto's ASL parser rejects exponents such as 3.9e-06."""
    return f"{value:.12f}".rstrip("0").rstrip(".") or "0"


def _catches_to(state: dict[str, Any], name: str) -> bool:
    return any(c["Next"] == name for c in state.get("Catch", []))


def _is_clock_delay(node: Node) -> bool:
    return any(key in node.config for key in _CLOCK_KEYS)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and any(True for _ in references(value))


def _predicates(node: Node) -> list[dict[str, Any]]:
    cfg = node.config
    if node.type == "branch":
        return [c["if"] for c in cfg.get("cases", [])]
    return [cfg[key] for key in ("if", "until") if key in cfg]


def _vars_of(pred: dict[str, Any]) -> list[str]:
    nested = pred.get("all", []) + pred.get("any", []) + ([pred["not"]] if "not" in pred else [])
    return ([pred["var"]] if "var" in pred else []) + [v for p in nested for v in _vars_of(p)]


def _contact_refs(node: Node) -> bool:
    """Decisions on contact fields read a fresh snapshot first (the run input's may be days old)."""
    return any(v.startswith("contact.") for p in _predicates(node) for v in _vars_of(p))


def _rule(pred: dict[str, Any]) -> dict[str, Any]:
    """A Choice rule (without Next) for a predicate; every comparison is guarded by presence and type."""
    if "all" in pred:
        return {"And": [_rule(p) for p in pred["all"]]}
    if "any" in pred:
        return {"Or": [_rule(p) for p in pred["any"]]}
    if "not" in pred:
        return {"Not": _rule(pred["not"])}
    path, op, value = "$." + pred["var"], pred["op"], pred.get("value")
    present = {"Variable": path, "IsPresent": True}
    if op in ("has_tag", "not_has_tag"):
        return {"Variable": f"$.contact.tag_flags.{tag_key(str(value))}", "IsPresent": op == "has_tag"}
    if op in ("exists", "not_exists"):
        exists = {"And": [present, {"Variable": path, "IsNull": False}]}
        return exists if op == "exists" else {"Not": exists}
    if op in ("is_true", "is_false"):
        return {"And": [present, {"Variable": path, "IsBoolean": True},
                        {"Variable": path, "BooleanEquals": op == "is_true"}]}
    if op == "ne":
        return {"Not": _rule({**pred, "op": "eq"})}
    if op in ("contains", "starts_with"):
        escaped = re.sub(r"([*\\])", r"\\\1", str(value))
        pattern = f"*{escaped}*" if op == "contains" else f"{escaped}*"
        return {"And": [present, {"Variable": path, "IsString": True}, {"Variable": path, "StringMatches": pattern}]}
    if isinstance(value, bool):
        return {"And": [present, {"Variable": path, "IsBoolean": True}, {"Variable": path, "BooleanEquals": value}]}
    if isinstance(value, int | float):
        return {"And": [present, {"Variable": path, "IsNumeric": True}, {"Variable": path, _NUMERIC[op]: value}]}
    return {"And": [present, {"Variable": path, "IsString": True}, {"Variable": path, _STRING[op]: str(value)}]}
