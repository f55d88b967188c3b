"""Read template.yaml and resolve its intrinsic functions for the local deployment."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from infra.local import graph
from infra.local.errors import TemplateError
from infra.local.physical import arn as _arn
from infra.local.physical import default_physical

__all__ = ["ACCOUNT_ID", "NO_VALUE", "REGION", "Resolver", "TemplateError", "load_template"]

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"

# Every short-form tag CloudFormation knows; anything else is a typo worth failing on.
_CONDITION_TAGS = frozenset({"Condition", "If", "Equals", "Not", "And", "Or"})
_REFERENCE_TAGS = frozenset({"Ref", "GetAtt", "Sub", "ImportValue", "GetAZs", "FindInMap"})
_VALUE_TAGS = frozenset({"Join", "Select", "Split", "Base64", "Cidr", "Length", "ToJsonString", "Transform"})
_SHORT_TAGS = _CONDITION_TAGS | _REFERENCE_TAGS | _VALUE_TAGS
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    """Marker for AWS::NoValue: the surrounding key or list item disappears."""


NO_VALUE = _NoValue()


try:  # libyaml's parser, which PyYAML's wheels include: template.yaml in 0.05 s instead of 0.35 s
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _CfnLoader(_SafeLoader):
    """SafeLoader that knows CloudFormation's short-form tags."""


# CloudFormation reads unquoted dates as strings, so YAML's timestamp type must not apply.
_CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_short_tag(loader: yaml.constructor.SafeConstructor, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if suffix not in _SHORT_TAGS:
        raise TemplateError(f"unknown CloudFormation tag !{suffix} at {node.start_mark}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_short_tag)


_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


def load_template(path: str | Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template, turning short tags into ``Fn::`` dicts.

    Parsing is the slow part of provisioning: a file is parsed once per content version
    (path, mtime, size) and each caller gets its own deep copy."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        with open(resolved, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=_CfnLoader)  # a safe loader
        if not isinstance(document, dict) or "Resources" not in document:
            raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
        _PARSED[key] = document
    return copy.deepcopy(_PARSED[key])


class Resolver:
    """Resolves intrinsics against local parameters and the local physical ids of resources."""

    def __init__(
        self,
        template: Mapping[str, Any],
        overrides: Mapping[str, str] | None = None,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.region = region
        self.account_id = account_id
        self.parameters = self._parameters(dict(overrides or {}))
        self.stage = str(self.parameters.get("Stage", "dev"))
        self.stack_name = f"leadpilot-{self.stage}"
        self._physical: dict[str, dict[str, Any]] = {}
        self._conditions: dict[str, bool] = {}

    # ------------------------------------------------------------ parameters
    def _parameters(self, overrides: dict[str, str]) -> dict[str, Any]:
        declared: Mapping[str, Any] = self.template.get("Parameters", {}) or {}
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise TemplateError(f"unknown parameters: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value = str(overrides[name])
            elif "Default" in spec:
                value = str(spec["Default"])
            else:
                raise TemplateError(f"parameter {name} has no default: pass a value for it")
            _check_parameter(name, spec, value)
            is_list = spec.get("Type") == "CommaDelimitedList"
            values[name] = value.split(",") if is_list else value
        return values

    def _pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
            "AWS::StackId": _arn("cloudformation", f"stack/{self.stack_name}/local", self.region, self.account_id),
        }.get(name)

    # ------------------------------------------------------------ physical ids
    def physical(self, logical_id: str) -> dict[str, Any]:
        """Ref value and attributes of a resource (deterministic until set_physical refines them)."""
        if logical_id not in self._physical:
            if logical_id not in self.resources:
                raise TemplateError(f"reference to unknown resource {logical_id}")
            self._physical[logical_id] = default_physical(self, logical_id)
        return self._physical[logical_id]

    def set_physical(self, logical_id: str, **attributes: Any) -> None:
        """Record what the local cloud really created (e.g. the queue URL moto returned)."""
        self.physical(logical_id).update(attributes)

    def default_name(self, logical_id: str) -> str:
        """Local physical name for a resource that does not name itself."""
        return f"{self.stack_name}-{logical_id}"

    # ------------------------------------------------------------ intrinsics
    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function inside ``value`` (dicts and lists recursively)."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name.startswith("AWS::"):
            pseudo = self._pseudo(name)
            if pseudo is None:
                raise TemplateError(f"unsupported pseudo parameter {name}")
            return pseudo
        return self.physical(name)["Ref"]

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        attributes = self.physical(logical_id)
        if attribute == "Ref" or attribute not in attributes:
            kind = self.resources[logical_id].get("Type")
            raise TemplateError(f"GetAtt {logical_id}.{attribute} ({kind}) is not supported locally")
        return attributes[attribute]

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                return str(self._get_att(logical_id, attribute))
            return str(self._ref(name))

        return _SUB_VAR.sub(replace, text)

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self._ref(arg)
        name = key[len("Fn::") :]
        if name == "GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self._get_att(logical_id, self.resolve(attribute))
        if name == "Sub":
            return self._sub(arg)
        if name == "If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(condition) else when_false)
        if name in ("Equals", "Not", "And", "Or"):
            return self._evaluate(key, arg)
        args = self.resolve(arg)
        if name == "Join":
            return str(args[0]).join(str(item) for item in args[1])
        if name == "Select":
            return args[1][int(args[0])]
        if name == "Split":
            return str(args[1]).split(str(args[0]))
        if name == "Base64":
            return base64.b64encode(str(args).encode()).decode()
        if name == "FindInMap":
            return self.template["Mappings"][args[0]][args[1]][args[2]]
        if name == "GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if name == "ToJsonString":
            return json.dumps(args, separators=(",", ":"))
        if name == "Length":
            return len(args)
        raise TemplateError(f"{key} is not supported by the local cloud")

    # ------------------------------------------------------------ conditions
    def condition(self, name: str) -> bool:
        """Value of a named condition from the template's Conditions section."""
        if name not in self._conditions:
            conditions = self.template.get("Conditions", {}) or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self._evaluate_any(conditions[name]))
        return self._conditions[name]

    def _evaluate_any(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Condition":
                return self.condition(arg)
            if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
                return self._evaluate(key, arg)
        return self.resolve(value)

    def _evaluate(self, key: str, arg: list[Any]) -> bool:
        values = [self._evaluate_any(item) for item in arg]
        if key == "Fn::Equals":
            return str(values[0]) == str(values[1])
        if key == "Fn::Not":
            return not values[0]
        return all(values) if key == "Fn::And" else any(values)

    def resource_enabled(self, logical_id: str) -> bool:
        """False when the resource carries a Condition that evaluates to false."""
        condition = self.resources[logical_id].get("Condition")
        return condition is None or self.condition(condition)

    # ------------------------------------------------------------ dependencies
    def dependencies(self, logical_id: str) -> set[str]:
        """Logical ids this resource refers to (Ref, GetAtt, Sub and DependsOn)."""
        return graph.dependencies(self.resources, logical_id)

    def creation_order(self) -> list[str]:
        """Resources in template order, each after the resources it depends on."""
        return graph.creation_order(self.resources)


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    if "AllowedValues" in spec and value not in [str(item) for item in spec["AllowedValues"]]:
        raise TemplateError(f"parameter {name}: {value!r} is not one of {spec['AllowedValues']}")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        raise TemplateError(f"parameter {name} does not match {spec['AllowedPattern']}")
    if len(value) < int(spec.get("MinLength", 0)):
        raise TemplateError(f"parameter {name} is shorter than {spec['MinLength']} characters")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise TemplateError(f"parameter {name} is longer than {spec['MaxLength']} characters")
