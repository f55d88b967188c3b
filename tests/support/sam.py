"""template.yaml as `sam deploy` hands it to CloudFormation: the real SAM transform (aws-sam-translator), and the
references between the resulting resources (what CloudFormation orders creation by, and refuses cycles in)."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
from samtranslator.translator.transform import transform

from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


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


@cache
def _transformed(parameters: frozenset[tuple[str, str]]) -> dict[str, Any]:
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"  # the transform reads the region, nothing else
    try:
        return dict(transform(_packaged(TEMPLATE), {"JwtSecret": "j" * 40, **dict(parameters)},
                              _NoManagedPolicies()))
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def transformed(**parameters: str) -> dict[str, Any]:
    """The CloudFormation template the SAM transform makes of template.yaml with these parameters."""
    return _transformed(frozenset(parameters.items()))


def references(node: Any) -> set[str]:
    """Names a CloudFormation value refers to (Ref, GetAtt and Sub; a Sub's own variables are not references)."""
    return {name for name, _ in conditional_references(node)}


def conditional_references(node: Any, conditions: frozenset[str] = frozenset()) -> Iterator[tuple[str, frozenset[str]]]:
    """Each name a value refers to, with the conditions that hold where it does (the true branch of an Fn::If)."""
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
                yield from conditional_references(when_true, conditions | {condition})
                yield from conditional_references(when_false, conditions)
            else:
                yield from conditional_references(value, conditions)


def dependency_graph(template: dict[str, Any]) -> nx.DiGraph:
    """Resource -> each resource it refers to or DependsOn (the edges CloudFormation orders creation by)."""
    resources = template["Resources"]
    graph = nx.DiGraph()
    graph.add_nodes_from(resources)
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn", [])
        referred = references(resource.get("Properties", {})) | set([depends] if isinstance(depends, str) else depends)
        graph.add_edges_from((logical_id, other) for other in referred if other in resources)
    return graph
