"""Message templates: `{{first_name|there}}`, `{{contact.first_name}}`, `{{business_name}}`, `{{vars.x}}`."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from leadpilot.errors import ValidationFailed
from leadpilot.messages.segments import SegmentInfo, segment_info

# `{{ name }}` or `{{ name | default text }}`; the default may be empty and may not contain braces or a pipe.
_VARIABLE = re.compile(r"\{\{\s*([^{}|]*?)\s*(?:\|([^{}|]*))?\}\}")
_NAME = re.compile(r"^(?:contact\.|workspace\.|vars\.)?[a-z_][a-z0-9_]*$", re.IGNORECASE)

CONTACT_FIELDS = frozenset({"first_name", "last_name", "full_name", "email", "phone", "company"})
WORKSPACE_FIELDS = frozenset({"business_name"})


@dataclass(frozen=True)
class Preview:
    """A template rendered with sample values, and how it would travel as an SMS."""

    text: str
    segments: SegmentInfo

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of a preview."""
        return {"text": self.text, "segments": self.segments.as_dict()}


def _canonical(name: str) -> str | None:
    """`first_name` -> `contact.first_name`, `business_name` -> `workspace.business_name`; None if unknown."""
    if not _NAME.match(name):
        return None
    scope, _, field = name.rpartition(".")
    if scope == "vars":
        return name
    if scope in ("", "contact") and field in CONTACT_FIELDS:
        return f"contact.{field}"
    if scope in ("", "workspace") and field in WORKSPACE_FIELDS:
        return f"workspace.{field}"
    return None


def variables(template: str, field: str = "body") -> list[str]:
    """The canonical names a template uses; a 422 naming the field lists unknown names or unclosed braces."""
    unknown = [m.group(1) or "{{}}" for m in _VARIABLE.finditer(template) if _canonical(m.group(1)) is None]
    if unknown:
        exc = ValidationFailed.field(field, f"unknown variable(s): {', '.join(dict.fromkeys(unknown))}")
        exc.details["unknown_variables"] = list(dict.fromkeys(unknown))
        raise exc
    if "{{" in _VARIABLE.sub("", template):
        raise ValidationFailed.field(field, "has a '{{' without a matching '}}' (write {{first_name|there}})")
    return list(dict.fromkeys(str(_canonical(m.group(1))) for m in _VARIABLE.finditer(template)))


def _lookup(context: Mapping[str, Any], canonical: str) -> str:
    """The value of a canonical name in a context {contact: {...}, workspace: {...}, vars: {...}}."""
    scope, _, field = canonical.partition(".")
    section = context.get(scope) or {}
    if scope == "workspace" and field == "business_name" and "business_name" in context:
        return str(context["business_name"] or "")
    value = section.get(field) if isinstance(section, Mapping) else None
    if value is None and scope == "contact" and field == "full_name":
        value = " ".join(str(section.get(k) or "") for k in ("first_name", "last_name")).strip()
    return "" if value is None else str(value).strip()


def render(template: str, context: Mapping[str, Any], field: str = "body",
           escape: Callable[[str], str] | None = None) -> str:
    """The template with every variable replaced (value, else default, else empty); 422 if unknown or empty.

    `escape` is applied to substituted values and defaults only (e.g. HTML escaping for email).
    """
    variables(template, field)

    def substitute(match: re.Match[str]) -> str:
        value = _lookup(context, str(_canonical(match.group(1)))) or (match.group(2) or "").strip()
        return escape(value) if escape else value

    text = _VARIABLE.sub(substitute, template)
    if not text.strip():
        raise ValidationFailed.field(field, "is empty once its variables are filled in")
    return text


def preview(template: str, sample_context: Mapping[str, Any], field: str = "body") -> Preview:
    """Render with sample values and count segments (an over-long preview reports within_limit false)."""
    text = render(template, sample_context, field)
    return Preview(text, segment_info(text))
