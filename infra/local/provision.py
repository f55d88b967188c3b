"""Create the template's tables, queues, buses, rules and state machines, idempotently."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.exceptions import ClientError

from infra.local.model import Deployment, Resource
from infra.local.oauth_stub import CLIENTS
from infra.local.specs import FUNCTION_TYPE, function_specs
from infra.local.template import Resolver, TemplateError, load_template
from infra.local.ws_specs import WEBSOCKET_TYPES, websocket_apis

log = logging.getLogger("infra.local.provision")

LOCAL_ROLE_ARN = "arn:aws:iam::123456789012:role/leadpilot-local"
# Resources that have no local meaning: permissions, code packaging and the front doors (the function host's
# gateway plays API Gateway, WebSocket APIs included: ws_specs, and serves the dashboard in CloudFront's place).
# Anything not listed and not handled fails.
SKIPPED_TYPES = frozenset(
    {
        "AWS::SQS::QueuePolicy",
        "AWS::S3::BucketPolicy",
        "AWS::CloudFront::Distribution",
        "AWS::CloudFront::OriginAccessControl",
        "AWS::CloudFront::Function",
        "AWS::CloudFront::ResponseHeadersPolicy",
        "AWS::Serverless::LayerVersion",
        "AWS::Lambda::LayerVersion",
        "AWS::Serverless::Api",
        "AWS::Lambda::Permission",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::KMS::Key",  # the local cloud seals with a key file instead (VaultKeySpec local:<path>)
        "AWS::KMS::Alias",
    }
)
# What the local cloud (and the tests that provision like it) sets unless told otherwise: the sandboxes'
# /dev/* routes are on here and off in a deployed stage (the template's default).
# The vault seals with a local key file, and the OAuth clients are the local OAuth server stub's
# (infra/local/oauth_stub.py); the local cloud itself points both at its data dir and its gateway.
LOCAL_PARAMETERS = {
    "DevTools": "on",
    "VaultKeySpec": f"local:{Path(tempfile.gettempdir()) / 'leadpilot-local-vault.key'}",
    "OAuthRedirectUrl": "http://127.0.0.1/app/integrations/callback",
    "GoogleOAuthClientId": CLIENTS["google"][0], "GoogleOAuthClientSecret": CLIENTS["google"][1],
    "MicrosoftOAuthClientId": CLIENTS["microsoft"][0], "MicrosoftOAuthClientSecret": CLIENTS["microsoft"][1],
}
_STATE_MACHINE_KEYS = (
    "Definition",
    "DefinitionString",
    "DefinitionUri",
    "DefinitionSubstitutions",
    "StateMachineType",
    "Type",
)
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


class _Context:
    """Clients and the resolver shared by the resource creators of one provision run."""

    def __init__(self, resolver: Resolver, base_dir: Path) -> None:
        self.resolver = resolver
        self.base_dir = base_dir
        session = boto3.session.Session(region_name=resolver.region)
        # No endpoint_url on purpose: mock_aws in tests, AWS_ENDPOINT_URL for the moto server.
        self.dynamodb = session.client("dynamodb")
        self.sqs = session.client("sqs")
        self.events = session.client("events")
        self.sfn = session.client("stepfunctions")
        self.s3 = session.client("s3")
        self.scheduler = session.client("scheduler")


def provision(template_path: str | Path, parameters: Mapping[str, str]) -> Deployment:
    """Create every resource of the template in the current AWS endpoint and describe them."""
    path = Path(template_path).resolve()
    template = load_template(path)
    local = {key: value for key, value in LOCAL_PARAMETERS.items() if key in (template.get("Parameters") or {})}
    resolver = Resolver(template, {**local, **parameters})
    _check_types(resolver)
    context = _Context(resolver, path.parent)
    resources: dict[str, Resource] = {}
    for logical_id in resolver.creation_order():
        kind = resolver.resources[logical_id]["Type"]
        if kind in SKIPPED_TYPES or kind in WEBSOCKET_TYPES or not resolver.resource_enabled(logical_id):
            continue
        if kind == FUNCTION_TYPE:
            physical = resolver.physical(logical_id)
            resources[logical_id] = Resource(logical_id, kind, physical["Ref"], physical["Arn"])
            continue
        props = resolver.resources[logical_id].get("Properties", {}) or {}
        resources[logical_id] = _CREATORS[kind](context, logical_id, props)
        log.debug("provisioned %s (%s) as %s", logical_id, kind, resources[logical_id].name)
    functions = function_specs(resolver, resources, path.parent)
    return Deployment(
        stage=resolver.stage,
        parameters={key: str(value) for key, value in resolver.parameters.items()},
        resources=resources,
        functions=functions,
        websocket_apis=websocket_apis(resolver, functions),
        region=resolver.region,
        account_id=resolver.account_id,
    )


def _check_types(resolver: Resolver) -> None:
    # Checked before creating anything so that a bad template leaves nothing half-built.
    handled = set(_CREATORS) | SKIPPED_TYPES | WEBSOCKET_TYPES | {FUNCTION_TYPE}
    unknown = {lid: res.get("Type") for lid, res in resolver.resources.items() if res.get("Type") not in handled}
    if unknown:
        listing = ", ".join(f"{lid} ({kind})" for lid, kind in sorted(unknown.items()))
        raise TemplateError(f"resource types the local cloud does not know: {listing}")


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _table(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    props = ctx.resolver.resolve(raw)
    name = ctx.resolver.physical(logical_id)["Ref"]
    billing = props.get("BillingMode", "PROVISIONED")
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    index_keys = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            request[key] = [{k: v for k, v in index.items() if k in index_keys} for index in props[key]]
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if props.get("StreamSpecification"):
        view_type = props["StreamSpecification"]["StreamViewType"]
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view_type}
    try:
        ctx.dynamodb.create_table(**request)
    except ClientError as error:
        if _error_code(error) != "ResourceInUseException":
            raise
    ctx.dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ttl = props.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled") in (True, "true"):
        status = ctx.dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        # DynamoDB rejects enabling TTL twice, so only ask when it is not on yet.
        if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ctx.dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
    table = ctx.dynamodb.describe_table(TableName=name)["Table"]
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    ctx.resolver.set_physical(logical_id, **attributes)
    return Resource(logical_id, "AWS::DynamoDB::Table", name, table["TableArn"])


def _queue_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict) else str(value)


def _queue(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    props = ctx.resolver.resolve(raw)
    name = ctx.resolver.physical(logical_id)["QueueName"]
    attributes = {key: _queue_attribute(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    try:
        url = ctx.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as error:
        if _error_code(error) not in ("QueueAlreadyExists", "QueueNameExists"):
            raise
        # The queue exists with other attributes (the template changed): bring it up to date.
        url = ctx.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes.pop("FifoQueue", None)
        ctx.sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = ctx.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn = arn["Attributes"]["QueueArn"]
    ctx.resolver.set_physical(logical_id, Ref=url, QueueUrl=url, Arn=arn)
    return Resource(logical_id, "AWS::SQS::Queue", name, arn, url)


def _event_bus(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    name = ctx.resolver.physical(logical_id)["Name"]
    if name != "default":
        try:
            ctx.events.create_event_bus(Name=name)
        except ClientError as error:
            if _error_code(error) != "ResourceAlreadyExistsException":
                raise
    arn = ctx.events.describe_event_bus(Name=name)["Arn"]
    ctx.resolver.set_physical(logical_id, Arn=arn)
    return Resource(logical_id, "AWS::Events::EventBus", name, arn)


def _rule(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    props = ctx.resolver.resolve(raw)
    name = ctx.resolver.physical(logical_id)["Ref"]
    bus = props.get("EventBusName", "default")
    request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
    pattern = props.get("EventPattern")
    if pattern is not None:
        request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    for key in ("ScheduleExpression", "Description", "RoleArn"):
        if key in props:
            request[key] = props[key]
    arn = ctx.events.put_rule(**request)["RuleArn"]  # put_rule is an upsert
    if props.get("Targets"):
        ctx.events.put_targets(Rule=name, EventBusName=bus, Targets=props["Targets"])
    ctx.resolver.set_physical(logical_id, Arn=arn)
    return Resource(logical_id, "AWS::Events::Rule", name, arn)


def _definition_text(ctx: _Context, logical_id: str, props: Mapping[str, Any]) -> str:
    if "Definition" in props:
        text = json.dumps(props["Definition"])
    elif "DefinitionString" in props:
        text = str(props["DefinitionString"])
    elif isinstance(props.get("DefinitionUri"), str):
        source = (ctx.base_dir / props["DefinitionUri"]).read_text(encoding="utf-8")
        text = json.dumps(yaml.safe_load(source))  # JSON is YAML, so both file kinds load
    else:
        raise TemplateError(f"{logical_id}: needs Definition, DefinitionString or a local DefinitionUri")
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        text = text.replace("${" + key + "}", str(value))
    return text


def _state_machine(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    if raw.get("Events"):
        raise TemplateError(f"{logical_id}: state machine Events are not supported locally")
    # Only what the local machine needs is resolved: roles and policies have no local meaning.
    props = ctx.resolver.resolve({key: raw[key] for key in _STATE_MACHINE_KEYS if key in raw})
    physical = ctx.resolver.physical(logical_id)
    definition = _definition_text(ctx, logical_id, props)
    kind = props.get("StateMachineType") or props.get("Type") or "STANDARD"
    try:
        ctx.sfn.describe_state_machine(stateMachineArn=physical["Arn"])
    except ClientError as error:
        if _error_code(error) != "StateMachineDoesNotExist":
            raise
        ctx.sfn.create_state_machine(name=physical["Name"], definition=definition, roleArn=LOCAL_ROLE_ARN, type=kind)
    else:
        # moto returns the existing machine for a second create, so update explicitly.
        ctx.sfn.update_state_machine(stateMachineArn=physical["Arn"], definition=definition, roleArn=LOCAL_ROLE_ARN)
    resource_type = str(ctx.resolver.resources[logical_id]["Type"])
    return Resource(logical_id, resource_type, physical["Name"], physical["Arn"])


def _bucket(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    physical = ctx.resolver.physical(logical_id)
    try:
        ctx.s3.create_bucket(Bucket=physical["Ref"])
    except ClientError as error:
        if _error_code(error) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    return Resource(logical_id, "AWS::S3::Bucket", physical["Ref"], physical["Arn"])


def _schedule_group(ctx: _Context, logical_id: str, raw: Mapping[str, Any]) -> Resource:
    physical = ctx.resolver.physical(logical_id)
    try:
        ctx.scheduler.create_schedule_group(Name=physical["Ref"])
    except ClientError as error:
        if _error_code(error) != "ConflictException":
            raise
    return Resource(logical_id, "AWS::Scheduler::ScheduleGroup", physical["Ref"], physical["Arn"])


_CREATORS: dict[str, Callable[[_Context, str, Mapping[str, Any]], Resource]] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::Events::EventBus": _event_bus,
    "AWS::Events::Rule": _rule,
    "AWS::Scheduler::ScheduleGroup": _schedule_group,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::Serverless::StateMachine": _state_machine,
}
