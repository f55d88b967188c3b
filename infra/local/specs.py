"""Turn the template's AWS::Serverless::Function resources into FunctionSpecs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.local.model import ApiRoute, FunctionSpec, Resource, ScheduleSpec, SqsSource
from infra.local.template import NO_VALUE, Resolver, TemplateError

FUNCTION_TYPE = "AWS::Serverless::Function"


def function_specs(resolver: Resolver, resources: Mapping[str, Resource], base_dir: Path) -> list[FunctionSpec]:
    """One spec per enabled serverless function, with Globals merged and intrinsics resolved."""
    globals_ = (resolver.template.get("Globals", {}) or {}).get("Function", {}) or {}
    specs = []
    for logical_id, resource in resolver.resources.items():
        if resource.get("Type") == FUNCTION_TYPE and resolver.resource_enabled(logical_id):
            props = resource.get("Properties", {}) or {}
            specs.append(_spec(resolver, resources, base_dir, logical_id, globals_, props))
    return specs


def _spec(
    resolver: Resolver,
    resources: Mapping[str, Resource],
    base_dir: Path,
    logical_id: str,
    globals_: Mapping[str, Any],
    props: Mapping[str, Any],
) -> FunctionSpec:
    merged = {**globals_, **props}
    code_uri = resolver.resolve(merged.get("CodeUri"))
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: the local cloud needs a local CodeUri path")
    if "Handler" not in merged:
        raise TemplateError(f"{logical_id}: no Handler")
    variables = {
        **((globals_.get("Environment") or {}).get("Variables") or {}),
        **((props.get("Environment") or {}).get("Variables") or {}),
    }
    spec = FunctionSpec(
        logical_id=logical_id,
        code_uri=(base_dir / code_uri).resolve(),
        handler=str(merged["Handler"]),
        environment={key: _env_text(resolved) for key, value in variables.items()
                     if (resolved := resolver.resolve(value)) is not NO_VALUE},  # AWS::NoValue drops the key
        function_name=str(resolver.physical(logical_id)["Ref"]),
        memory_size=int(resolver.resolve(merged.get("MemorySize", 128))),
        timeout=int(resolver.resolve(merged.get("Timeout", 3))),
    )
    for event_name, event in (props.get("Events") or {}).items():
        _add_event(spec, resolver, resources, event_name, event)
    return spec


def _env_text(value: Any) -> str:
    # Lambda environment values are strings; CloudFormation writes booleans in lower case.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _add_event(
    spec: FunctionSpec, resolver: Resolver, resources: Mapping[str, Resource], event_name: str, event: Mapping[str, Any]
) -> None:
    kind = event.get("Type")
    props = resolver.resolve(event.get("Properties", {}) or {})
    if kind == "Api":
        spec.api_routes.append(ApiRoute(event_name, props["Path"], str(props["Method"]).upper()))
    elif kind == "SQS":
        queue = _queue_by_arn(resources, props["Queue"], f"{spec.logical_id}.{event_name}")
        spec.sqs_sources.append(
            SqsSource(
                event_name=event_name,
                queue_url=queue.url or "",
                queue_arn=props["Queue"],
                batch_size=int(props.get("BatchSize", 10)),
                batching_window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                function_response_types=tuple(props.get("FunctionResponseTypes", [])),
                enabled=props.get("Enabled", True) in (True, "true"),
            )
        )
    elif kind == "Schedule":
        name = props.get("Name") or f"{resolver.stack_name}-{spec.logical_id}{event_name}"[:64]
        spec.schedules.append(
            ScheduleSpec(
                event_name=event_name,
                expression=props["Schedule"],
                rule_arn=f"arn:aws:events:{resolver.region}:{resolver.account_id}:rule/{name}",
                enabled=props.get("Enabled", True) in (True, "true"),
                input=props.get("Input"),
            )
        )
    else:
        raise TemplateError(f"{spec.logical_id}.{event_name}: event type {kind} is not supported by the local cloud")


def _queue_by_arn(resources: Mapping[str, Resource], arn: str, where: str) -> Resource:
    for resource in resources.values():
        if resource.arn == arn and resource.url:
            return resource
    raise TemplateError(f"{where}: queue {arn} is not a queue of this template")
