"""template.yaml as `sam deploy` hands it to CloudFormation: the real SAM transform (aws-sam-translator), and the
references between the resulting resources (what CloudFormation orders creation by, and refuses cycles in)."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
from samtranslator.swagger import swagger
from samtranslator.translator.transform import transform

from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
REQUIRED = {"JwtSecret": "j" * 40}  # the parameters with no default
Branch = frozenset[tuple[str, bool]]
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")
_DEPLOYMENT_HASH = re.compile(r"(ApiDeployment)[0-9a-f]{10}\b|(deployment id: )[0-9a-f]{40}")


class _NoManagedPolicies:
    """The transform's lookup of AWS managed policy ARNs (an IAM call); the template names none."""

    def load(self) -> dict[str, str]:
        return {}


def _packaged(node: Any) -> Any:
    """The template as `sam package` hands it over: code locations in S3 instead of local folders."""
    if isinstance(node, dict):
        return {key: f"s3://artifacts/{value}" if key in ("CodeUri", "ContentUri") and isinstance(value, str)
                else _packaged(value) for key, value in node.items()}
    return [_packaged(item) for item in node] if isinstance(node, list) else node


def _transform(template: dict[str, Any], parameters: dict[str, str], copying: bool = False) -> dict[str, Any]:
    """The SAM transform. Its swagger editor deep-copies the API's whole definition when it takes it and again
    when it gives it back, once per route, so for this template 95% of the transform's CPU is copying. Unless
    `copying`, the editor edits the one definition in place instead: the template that comes out is the same
    (test_template_deploys checks it), except that its keys come in another order, and the hash of the API's
    definition in the logical id of its deployment follows that order."""
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"  # the transform reads the region, nothing else
    copy = swagger._deepcopy
    if not copying:
        swagger._deepcopy = _itself
    try:
        return dict(transform(_packaged(template), {**REQUIRED, **parameters}, _NoManagedPolicies()))
    finally:
        swagger._deepcopy = copy
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def _itself(value: Any) -> Any:
    return value


def same_but_deployment_hash(template: dict[str, Any]) -> str:
    """The template as sorted JSON, with the hash in its API deployment's logical id and description left out."""
    text = json.dumps(template, sort_keys=True, default=str)
    return _DEPLOYMENT_HASH.sub(lambda found: found.group(1) or found.group(2), text)


@cache
def transformed() -> dict[str, Any]:
    """The CloudFormation template the SAM transform makes of template.yaml (once per process, in about 1 s).

    One serves every deployment: the transform leaves each parameter to CloudFormation, as Fn::If on the
    template's conditions (test_template_deploys checks it), so what differs between deployments is which
    conditions hold: `holding` evaluates them and `dependency_graph` follows only the branches they take."""
    return _transform(TEMPLATE, {})


def transformed_with_one_event_each(parameters: dict[str, str], copying: bool = False) -> dict[str, Any]:
    """The transform of template.yaml with each function keeping only its first event: every resource and
    property of the template, at a fraction of the cost (with `copying`, the transform copies the API's whole
    definition for each route, so its cost grows with the square of the routes)."""
    resources = {}
    for name, resource in TEMPLATE["Resources"].items():
        events = resource.get("Properties", {}).get("Events")
        if events:
            first = next(iter(events))
            resource = {**resource, "Properties": {**resource["Properties"], "Events": {first: events[first]}}}
        resources[name] = resource
    return _transform({**TEMPLATE, "Resources": resources}, parameters, copying)


def holding(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, bool]:
    """Whether each of the template's conditions holds in a deployment with these parameter values (the others
    at their defaults), as CloudFormation evaluates them."""
    values = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    values.update({**REQUIRED, **parameters})
    found: dict[str, bool] = {}

    def value(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values[node["Ref"]]
        if isinstance(node, dict) and len(node) == 1:
            return holds(node)
        return node

    def holds(node: Any) -> bool:
        (function, argument), = node.items()
        if function == "Condition":
            return condition(argument)
        if function == "Fn::Equals":
            return bool(value(argument[0]) == value(argument[1]))
        if function == "Fn::Not":
            return not holds(argument[0])
        if function == "Fn::And":
            return all(holds(each) for each in argument)
        if function == "Fn::Or":
            return any(holds(each) for each in argument)
        raise ValueError(f"a condition function this check does not evaluate: {function}")

    def condition(name: str) -> bool:
        if name not in found:
            found[name] = holds(template["Conditions"][name])
        return found[name]

    for name in template.get("Conditions", {}):
        condition(name)
    return found


def references(node: Any) -> set[str]:
    """Names a CloudFormation value refers to (Ref, GetAtt and Sub; a Sub's own variables are not references)."""
    return {name for name, _ in conditional_references(node)}


def conditional_references(node: Any, conditions: Branch = frozenset()) -> Iterator[tuple[str, Branch]]:
    """Each name a value refers to, with the branches of the Fn::Ifs it sits in: (condition, True) in the branch
    taken where the condition holds, (condition, False) in the other."""
    if isinstance(node, list):
        for item in node:
            yield from conditional_references(item, conditions)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value, conditions
            elif key == "Fn::GetAtt":
                yield (value[0] if isinstance(value, list) else str(value).split(".")[0]), conditions
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                for name in _SUB_NAME.findall(text):
                    if name not in variables:
                        yield name.split(".")[0], conditions
                yield from conditional_references(variables, conditions)
            elif key == "Fn::If":
                condition, when_true, when_false = value
                yield from conditional_references(when_true, conditions | {(condition, True)})
                yield from conditional_references(when_false, conditions | {(condition, False)})
            else:
                yield from conditional_references(value, conditions)


def dependency_graph(template: dict[str, Any], holds: dict[str, bool] | None = None) -> nx.DiGraph:
    """Resource -> each resource it refers to or DependsOn (the edges CloudFormation orders creation by).

    With `holds` (see `holding`), the graph of that one deployment: the resources its conditions create and the
    references in the branches they take; without, every reference in every branch."""
    def taken(where: Branch | str) -> bool:
        branches = {(where, True)} if isinstance(where, str) else where
        return holds is None or all(holds[condition] == value for condition, value in branches)

    resources = {name: resource for name, resource in template["Resources"].items()
                 if taken(resource.get("Condition", frozenset()))}
    graph = nx.DiGraph()
    graph.add_nodes_from(resources)
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        referred = {name for name, where in conditional_references(resource.get("Properties", {})) if taken(where)}
        referred |= set([depends] if isinstance(depends, str) else depends)
        graph.add_edges_from((logical_id, other) for other in referred if other in resources)
    return graph
