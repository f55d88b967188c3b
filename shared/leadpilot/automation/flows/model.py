"""The validated flow model and the per-node-type rules shared by the validator and the compiler."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Hard ceiling on any loop's iterations, whatever the flow asks for (the schema enforces it too).
MAX_LOOP_ITERATIONS = 100

ACTION_TYPES = frozenset({
    "webhook", "update_contact", "add_tag", "remove_tag", "move_stage", "send_email", "send_sms",
    "create_task", "ai_generate_message", "send_booking_link",
})
CALLBACK_TYPES = frozenset({"wait_for_reply", "wait_for_event", "wait_for_booking", "human_handoff"})
# Labels on the outgoing edge of a callback node when the person/event answered in time.
CALLBACK_ANSWER_LABEL = {"wait_for_reply": "reply", "wait_for_event": "event", "wait_for_booking": "booked",
                         "human_handoff": "done"}
# The AI call node's edges: how the call went, then (optional) the analysed outcome labels it lists.
AI_CALL_LABELS = frozenset({"answered", "voicemail", "no_answer"})
AI_CALL_TIMEOUT_S = 2 * 3600  # a call never reported back (not time-scaled: it guards a lost callback)
# Node types whose work goes through the action worker, and so may fail and take an "error" edge.
TASK_TYPES = ACTION_TYPES | CALLBACK_TYPES | {"ai_condition", "delay", "ai_call"}
NEXT = "next"
ERROR = "error"
# What a flow's running runs do when their contact opts out (the document's `on_opt_out`; absent: exit).
OPT_OUT_EXIT, OPT_OUT_CONTINUE = "exit", "continue"


@dataclass(frozen=True)
class Node:
    """One node: its id, type and type-specific configuration (every other key of the document)."""

    id: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Edge:
    """A directed edge; an unlabelled edge in the document has the label "next"."""

    source: str
    target: str
    label: str = NEXT


@dataclass(frozen=True)
class Flow:
    """A validated flow: nodes in document order, edges, and the trigger specification."""

    name: str
    trigger: dict[str, Any]
    nodes: dict[str, Node]
    edges: tuple[Edge, ...]

    def outgoing(self, node_id: str) -> dict[str, str]:
        """The node's outgoing edges as {label: target id}."""
        return {e.label: e.target for e in self.edges if e.source == node_id}

    @property
    def trigger_node(self) -> Node:
        """The single trigger node (validation guarantees there is exactly one)."""
        return next(n for n in self.nodes.values() if n.type == "trigger")

    @property
    def first_node(self) -> str:
        """The node the trigger leads to: where a run enters by default."""
        return self.outgoing(self.trigger_node.id)[NEXT]


def opt_out_policy(document: dict[str, Any]) -> str:
    """A flow document's `on_opt_out`: exit (the default) or continue."""
    return OPT_OUT_CONTINUE if document.get("on_opt_out") == OPT_OUT_CONTINUE else OPT_OUT_EXIT


def end_outcome(node: Node) -> str:
    """How a run that reaches this End node ended: its `outcome` label, else its id."""
    return str(node.config.get("outcome") or node.id)


def loop_cap(node: Node) -> int:
    """The effective number of iterations of a Loop: its count, bounded by its cap and the platform's."""
    cap = min(int(node.config.get("max_iterations", MAX_LOOP_ITERATIONS)), MAX_LOOP_ITERATIONS)
    count = node.config.get("count")
    return min(int(count), cap) if count is not None else cap


def edge_labels(node: Node) -> tuple[frozenset[str], frozenset[str]]:
    """The (required, optional) labels of a node's outgoing edges."""
    kind, cfg = node.type, node.config
    optional = frozenset({ERROR}) if kind in TASK_TYPES else frozenset()
    if kind == "end":
        return frozenset(), frozenset()
    if kind == "condition":
        return frozenset({"true", "false"}), optional
    if kind == "ai_condition":
        return frozenset(cfg.get("labels") or ["yes", "no"]), optional
    if kind == "branch":
        return frozenset([c["label"] for c in cfg.get("cases", [])] + ["else"]), optional
    if kind == "loop":
        return frozenset({"body", "done"}), optional
    if kind in CALLBACK_TYPES:
        return frozenset({CALLBACK_ANSWER_LABEL[kind], "timeout"}), optional
    if kind == "ai_call":
        return AI_CALL_LABELS, optional | frozenset(cfg.get("outcomes") or []) | {"timeout"}
    return frozenset({NEXT}), optional


def config_strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string inside a node's configuration, with its slash-separated path."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in config_strings(v, f"{path}/{k}" if path else str(k))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in config_strings(v, f"{path}/{i}" if path else str(i))]
    return []
