"""A strict-mode (OpenAI structured output) schema derived from flow.json, and the way back to a flow document.

Strict mode wants every object closed with every property required, and has no oneOf/allOf/if/then,
minLength/maxLength, propertyNames or open maps. So, walking flow.json (the single source of node types):
- each node type becomes one closed variant of an `anyOf` (its `type` a const);
- optional properties become required-but-nullable; `from_strict` drops the nulls again;
- maps (webhook headers, response_mapping, update_contact fields, wait_for_event match) become lists of
  {key, value} pairs; `from_strict` turns them back into objects;
- predicates are flat (var, op, value): no nested all/any/not;
- `position`, `schedule` and string/number unions the runtime reads as text are left out or narrowed.
validate_flow still judges the result with the full schema: this one only steers the model.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_DROPPED = frozenset({"position", "schedule"})
_NULL = {"type": "null"}


@cache
def _flow_json() -> dict[str, Any]:
    return dict(json.loads(resources.files("leadpilot.automation.flows").joinpath("schemas", "flow.json").read_text()))


def _defs() -> dict[str, Any]:
    return dict(_flow_json()["$defs"])


def _closed(properties: dict[str, Any], optional: set[str]) -> dict[str, Any]:
    props = {k: ({"anyOf": [v, _NULL]} if k in optional else v) for k, v in properties.items()}
    return {"type": "object", "additionalProperties": False, "properties": props, "required": list(props)}


def _scalar(kind: str) -> dict[str, Any]:
    return {"type": kind}


def _predicate() -> dict[str, Any]:
    d = _defs()
    props = {"var": {"type": "string", "pattern": d["var_path"]["pattern"]},
             "op": {"type": "string", "enum": d["predicate"]["properties"]["op"]["enum"]},
             "value": {"anyOf": [_scalar("string"), _scalar("number"), _scalar("boolean")]}}
    return _closed(props, {"value"})


def _convert(schema: Any) -> dict[str, Any]:
    """One property's schema in strict form."""
    if schema is True or not isinstance(schema, dict):
        return {"type": "string"}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _predicate() if name == "predicate" else _convert(_defs()[name])
    if "enum" in schema:
        return {"type": "string", "enum": list(schema["enum"])}
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k not in ("null", "object")]
        if len(kinds) == 1:
            return _convert({**schema, "type": kinds[0]})
        return {"anyOf": [_scalar("integer" if k == "integer" else k) for k in kinds]}
    if kind == "string":
        return {"type": "string", **({"pattern": schema["pattern"]} if "pattern" in schema else {})}
    if kind in ("integer", "number"):
        return {"type": kind, **{k: schema[k] for k in ("minimum", "maximum") if k in schema}}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "array":
        return {"type": "array", "items": _convert(schema.get("items", {"type": "string"})),
                **{k: schema[k] for k in ("minItems", "maxItems") if k in schema}}
    if isinstance(schema.get("additionalProperties"), dict):  # a map: a list of {key, value} pairs
        names = schema.get("propertyNames", {})
        key = _convert(names) if names else {"type": "string"}
        pair = _closed({"key": key, "value": _convert(schema["additionalProperties"])}, set())
        return {"type": "array", "items": pair}
    properties = {k: _convert(v) for k, v in schema.get("properties", {}).items() if k not in _DROPPED}
    return _closed(properties, set(properties) - set(schema.get("required", [])))


def _node_variant(node_type: str, definition: dict[str, Any]) -> dict[str, Any]:
    d = _defs()
    properties: dict[str, Any] = {"id": {"type": "string", "pattern": d["node_id"]["pattern"]},
                                  "type": {"type": "string", "const": node_type}}
    required = {"id", "type", *definition.get("required", [])}
    for key, value in definition.get("properties", {}).items():
        if key not in properties and key not in _DROPPED:
            properties[key] = _convert(value)
    return _closed(properties, set(properties) - required)


def _def_of(node_type: str) -> dict[str, Any]:
    rule = next(r for r in _defs()["node"]["allOf"] if r["if"]["properties"]["type"]["const"] == node_type)
    return dict(_defs()[rule["then"]["$ref"].rsplit("/", 1)[-1]])


@cache
def map_fields() -> dict[str, frozenset[str]]:
    """Per node type, the fields flow.json declares as maps (sent to the model as {key, value} lists)."""
    types = _defs()["node"]["properties"]["type"]["enum"]
    return {t: frozenset(k for k, v in _def_of(t).get("properties", {}).items()
                         if isinstance(v, dict) and isinstance(v.get("additionalProperties"), dict))
            for t in types}


@cache
def strict_flow_schema() -> dict[str, Any]:
    """The JSON schema sent as response_format (strict): a flow whose nodes are any of the node types."""
    d = _defs()
    types = d["node"]["properties"]["type"]["enum"]
    trigger = _closed({"event": {"type": "string", "pattern": d["trigger_spec"]["properties"]["event"]["pattern"]},
                       "filters": {"type": "array", "items": _predicate()},
                       "reentry": {"type": "boolean"}}, {"filters", "reentry"})
    edge = _closed({"from": {"type": "string"}, "to": {"type": "string"},
                    "label": {"type": "string", "pattern": d["label"]["pattern"]}}, {"label"})
    flow = _closed({"name": {"type": "string"}, "description": {"type": "string"}, "trigger": trigger,
                    "nodes": {"type": "array", "items": {"anyOf": [_node_variant(t, _def_of(t)) for t in types]}},
                    "edges": {"type": "array", "items": edge}}, {"description"})
    return flow


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def from_strict(doc: dict[str, Any]) -> dict[str, Any]:
    """The flow document a strict-schema answer stands for (nulls dropped, pair lists back to maps)."""
    flow: dict[str, Any] = _without_nulls(doc)
    maps = map_fields()
    for node in flow.get("nodes") or []:
        if not isinstance(node, dict):
            continue
        for key in maps.get(str(node.get("type")), frozenset()):
            pairs = node.get(key)
            if isinstance(pairs, list):
                node[key] = {str(p.get("key")): p.get("value") for p in pairs if isinstance(p, dict)}
    return flow
