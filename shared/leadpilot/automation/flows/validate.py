"""Validate a flow document: JSON Schema per node type, then graph and template checks."""
from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from leadpilot.automation.flows.cron import check
from leadpilot.automation.flows.model import NEXT, Edge, Flow, Node, config_strings, edge_labels
from leadpilot.automation.flows.templates import NAMESPACES, malformed, references
from leadpilot.destinations import url_problem
from leadpilot.errors import ValidationFailed
from leadpilot.settings import get_destinations

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError as SchemaError

Problem = dict[str, str]
_MALFORMED = "malformed template: use {{namespace.field}} or {{namespace.field|default}}"
_NOT_CONFIG = frozenset({"id", "type", "name", "position"})


@cache
def document_schema() -> dict[str, Any]:
    """The JSON Schema of a flow document, as published at GET /flows/schema (callers must not change it)."""
    text = resources.files("leadpilot.automation.flows").joinpath("schemas", "flow.json").read_text()
    return dict(json.loads(text))


@cache
def flow_schema() -> Draft202012Validator:
    """The compiled JSON Schema of a flow document."""
    from jsonschema import Draft202012Validator, FormatChecker  # lazy: ~100 ms of cold start, paid on first use

    return Draft202012Validator(document_schema(), format_checker=FormatChecker())


def validate_flow(doc: Any, *, check_destinations: bool = True) -> Flow:
    """Return the flow model, or raise ValidationFailed listing every problem by node and field.

    check_destinations=False skips the webhook URL rules (a version already published is rebuilt even when
    the rules have changed since; the step itself is still refused where its connection opens).
    """
    problems = _schema_problems(doc)
    if isinstance(doc, dict):
        nodes = [n for n in doc.get("nodes") or [] if isinstance(n, dict) and isinstance(n.get("id"), str)]
        edges = [e for e in doc.get("edges") or [] if isinstance(e, dict)]
        problems += _graph_problems(nodes, edges)
        problems += _template_problems(nodes)
        if check_destinations:
            problems += _destination_problems(nodes)
        if isinstance(doc.get("trigger"), dict):
            problems += _trigger_problems(doc["trigger"])
    if problems:
        unique = list({json.dumps(p, sort_keys=True): p for p in problems}.values())
        first = unique[0]
        where = f"node {first['node']}: " if "node" in first else ""
        raise ValidationFailed(f"{where}{first['field']}: {first['message']}", {"errors": unique})
    return _model(doc)


# What a flow can be triggered by: the domain events the triggers rule delivers, plus enrolment by hand/API
# (manual; any published flow also accepts manual and bulk enrolment) and a cron schedule.
TRIGGER_EVENTS = frozenset({
    "contact.created", "contact.updated", "contact.tag_added", "contact.tag_removed", "pipeline.stage_changed",
    "task.completed", "sms.received", "email.opened", "email.clicked", "email.replied", "call.completed",
    "appointment.booked", "appointment.confirmed", "appointment.rescheduled", "appointment.cancelled",
    "appointment.no_show", "appointment.completed", "webhook.received", "manual", "schedule"})


def _trigger_problems(trigger: dict[str, Any]) -> list[Problem]:
    event = trigger.get("event")
    if not isinstance(event, str):
        return []
    if event not in TRIGGER_EVENTS:
        return [{"field": "trigger/event", "message": f"unknown trigger {event!r}; one of: "
                                                      + ", ".join(sorted(TRIGGER_EVENTS))}]
    problems: list[Problem] = []
    if "changed_fields" in trigger and event != "contact.updated":
        problems.append({"field": "trigger/changed_fields", "message": "only a contact.updated trigger has it"})
    if "require_signature" in trigger and event != "webhook.received":
        problems.append({"field": "trigger/require_signature", "message": "only a webhook.received trigger has it"})
    if event == "schedule":
        try:
            check(trigger.get("schedule"), trigger.get("timezone"))
        except ValidationFailed as exc:
            problems += [{"field": e["field"].replace(".", "/"), "message": e["message"]}
                         for e in (exc.details or {}).get("errors", [])]
    elif "schedule" in trigger or "timezone" in trigger:
        problems.append({"field": "trigger/schedule", "message": "only a schedule trigger has a schedule"})
    return problems


def _destination_problems(nodes: list[dict[str, Any]]) -> list[Problem]:
    """A webhook's url must not reach the platform or a private network (an http(s) scheme is the schema's)."""
    problems: list[Problem] = []
    for node in nodes:
        url = node.get("url")
        if node.get("type") == "webhook" and isinstance(url, str) and url.lower().startswith(("http://", "https://")):
            problem = url_problem(url, get_destinations())
            if problem:
                problems.append({"node": node["id"], "field": "url", "message": problem})
    return problems


def _model(doc: dict[str, Any]) -> Flow:
    nodes = {n["id"]: Node(n["id"], n["type"], {k: v for k, v in n.items() if k not in _NOT_CONFIG})
             for n in doc["nodes"]}
    edges = tuple(Edge(e["from"], e["to"], e.get("label", NEXT)) for e in doc["edges"])
    return Flow(doc["name"], doc["trigger"], nodes, edges)


def _schema_problems(doc: Any) -> list[Problem]:
    errors = sorted(flow_schema().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [_named(doc, err) for err in errors]


def _named(doc: Any, err: SchemaError) -> Problem:
    """Name a schema error by node id and the field path inside the node, else by document path."""
    path = list(err.absolute_path)
    message = err.message
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        path, message = [*path, extra[0]] if extra else path, "unknown field"
    elif err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        path, message = [*path, missing] if missing else path, "is required"
    elif err.validator == "type":
        message = f"must be of type {err.validator_value}"
    elif err.validator in ("oneOf", "anyOf") and err.context:
        message = "does not match any allowed form: " + "; ".join(sorted({c.message for c in err.context}))[:300]
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        node = doc["nodes"][path[1]]
        node_id = node.get("id") if isinstance(node, dict) else None
        if isinstance(node_id, str) and node_id:
            return {"node": node_id, "field": "/".join(str(p) for p in path[2:]) or "(node)", "message": message}
    return {"field": "/".join(str(p) for p in path) or "(flow)", "message": message}


def _graph_problems(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if node["id"] in by_id:
            problems.append({"node": node["id"], "field": "id", "message": "duplicate node id"})
        by_id.setdefault(node["id"], node)
    triggers = [n["id"] for n in nodes if n.get("type") == "trigger"]
    if len(triggers) != 1:
        problems.append({"field": "nodes", "message": f"a flow needs exactly one trigger node (found {len(triggers)})"})
    adjacency: dict[str, list[str]] = {node_id: [] for node_id in by_id}
    labels: dict[str, list[str]] = {node_id: [] for node_id in by_id}
    for i, edge in enumerate(edges):
        ends_ok = True
        for end in ("from", "to"):
            if isinstance(edge.get(end), str) and edge[end] not in by_id:
                ends_ok = False
                problems.append({"field": f"edges/{i}/{end}", "message": f"unknown node '{edge[end]}' (dangling edge)"})
        if not ends_ok or not isinstance(edge.get("from"), str) or not isinstance(edge.get("to"), str):
            continue
        if edge["to"] in triggers:
            problems.append({"field": f"edges/{i}/to", "message": "no edge may lead into the trigger"})
        adjacency[edge["from"]].append(edge["to"])
        labels[edge["from"]].append(edge.get("label", NEXT))
    for node_id, node in by_id.items():
        problems += _label_problems(node, labels[node_id])
        if node.get("type") == "loop" and "max_iterations" not in node:
            problems.append({"node": node_id, "field": "max_iterations",
                             "message": "a loop needs a hard cap: set max_iterations (at most 100)"})
    if len(triggers) == 1:
        reached = _reachable(triggers[0], adjacency)
        problems += [{"node": n, "field": "(node)", "message": "unreachable from the trigger"}
                     for n in by_id if n not in reached]
    loops = {n for n, node in by_id.items() if node.get("type") == "loop"}
    for cycle in _cycles_without(loops, adjacency):
        problems += [{"node": n, "field": "(node)",
                      "message": "on a cycle with no Loop node (" + " -> ".join(cycle) + "); add a Loop with a cap"}
                     for n in cycle]
    return problems


def _label_problems(node: dict[str, Any], labels: list[str]) -> list[Problem]:
    try:
        required, optional = edge_labels(Node(node["id"], str(node.get("type")), node))
    except (KeyError, TypeError):
        return []  # malformed configuration: the schema errors already say why
    problems = []
    node_id = node["id"]
    for label in sorted(required - set(labels)):
        problems.append({"node": node_id, "field": "edges", "message": f"missing outgoing edge labelled '{label}'"})
    for label in sorted(set(labels) - required - optional):
        allowed = ", ".join(sorted(required | optional)) or "none (an End has no outgoing edges)"
        problems.append({"node": node_id, "field": "edges",
                         "message": f"unexpected outgoing edge labelled '{label}' (allowed: {allowed})"})
    for label in sorted({lb for lb in labels if labels.count(lb) > 1}):
        problems.append({"node": node_id, "field": "edges",
                         "message": f"more than one outgoing edge labelled '{label}'"})
    if node.get("type") == "ai_condition" and "default" in node and node["default"] not in required:
        problems.append({"node": node_id, "field": "default", "message": "must be one of the node's labels"})
    return problems


def _reachable(start: str, adjacency: dict[str, list[str]]) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for nxt in adjacency[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _cycles_without(loops: set[str], adjacency: dict[str, list[str]]) -> Iterable[list[str]]:
    """Strongly connected components (size > 1, or a self-edge) of the graph with the Loop nodes removed."""
    graph = {n: [m for m in out if m not in loops] for n, out in adjacency.items() if n not in loops}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:  # iterative Tarjan: flows are small but recursion limits are not our business
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _template_problems(nodes: list[dict[str, Any]]) -> list[Problem]:
    ids = {n["id"] for n in nodes}
    problems: list[Problem] = []
    for node in nodes:
        config = {k: v for k, v in node.items() if k not in _NOT_CONFIG}
        for path, text in config_strings(config):
            if path.endswith("/var") or path == "var":
                problems += _ref_problems(node["id"], path, [text], ids)
                continue
            if malformed(text):
                problems.append({"node": node["id"], "field": path, "message": _MALFORMED})
            problems += _ref_problems(node["id"], path, [r.path for r in references(text)], ids)
    return problems


def _ref_problems(node_id: str, field: str, paths: list[str], ids: set[str]) -> list[Problem]:
    problems = []
    for ref in paths:
        parts = ref.split(".")
        if parts[0] not in NAMESPACES:
            problems.append({"node": node_id, "field": field,
                             "message": f"unknown variable namespace '{parts[0]}' in '{ref}' "
                                        f"(known: {', '.join(sorted(NAMESPACES))})"})
        elif parts[0] == "nodes" and (len(parts) < 2 or parts[1] not in ids):
            problems.append({"node": node_id, "field": field, "message": f"'{ref}' refers to no node of this flow"})
    return problems
