"""Dependencies between template resources, and an order that creates each after its needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from infra.local.errors import TemplateError

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def dependencies(resources: Mapping[str, Any], logical_id: str) -> set[str]:
    """Logical ids a resource refers to through Ref, GetAtt, Sub or DependsOn."""
    resource = resources[logical_id]
    depends = resource.get("DependsOn", [])
    found = set([depends] if isinstance(depends, str) else depends)
    _collect_references(resource.get("Properties", {}), found)
    return {name for name in found if name in resources and name != logical_id}


def creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Resources in template order, each after the resources it depends on."""
    order: list[str] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in placed:
            return
        if logical_id in visiting:
            raise TemplateError(f"circular dependency involving {logical_id}")
        visiting.add(logical_id)
        for dependency in sorted(dependencies(resources, logical_id)):
            visit(dependency)
        visiting.discard(logical_id)
        placed.add(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return order


def _collect_references(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect_references(item, found)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found.update(name.split(".", 1)[0] for name in _SUB_VAR.findall(text))
            _collect_references(arg, found)
