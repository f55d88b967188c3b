"""Template variables in flow strings: {{contact.first_name}}, {{vars.x}}, {{trigger.data.tag|vip}}."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

NAMESPACES = frozenset({"contact", "vars", "trigger", "nodes", "workspace"})
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*(?:\|([^{}]*))?\}\}")


@dataclass(frozen=True)
class Ref:
    """One template reference: its dotted path and optional default."""

    path: str
    default: str | None

    @property
    def namespace(self) -> str:
        """The first segment of the path (contact, vars, trigger, nodes, workspace)."""
        return self.path.split(".")[0]


def references(text: str) -> Iterator[Ref]:
    """The template references in a string, in order."""
    for match in _TEMPLATE.finditer(text):
        yield Ref(match.group(1), match.group(2))


def malformed(text: str) -> bool:
    """True when the string has a '{{' or '}}' that is not part of a well-formed template."""
    rest = _TEMPLATE.sub("", text)
    return "{{" in rest or "}}" in rest


def render(text: str, context: Mapping[str, Any]) -> str:
    """Replace each reference by its value in context, else its default, else an empty string."""
    def value(match: re.Match[str]) -> str:
        current: Any = context
        for part in match.group(1).split("."):
            current = current.get(part) if isinstance(current, Mapping) else None
        if current is None or current == "":
            return match.group(2) or ""
        return str(current)
    return _TEMPLATE.sub(value, text)
