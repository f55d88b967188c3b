"""Local physical names and ARNs: what Ref and GetAtt return for each resource type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.template import Resolver

STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")


def arn(service: str, resource: str, region: str, account: str) -> str:
    """An ARN in the aws partition."""
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def default_physical(resolver: Resolver, logical_id: str) -> dict[str, Any]:
    """Ref value and GetAtt attributes a resource has before (or without) being created.

    Names follow ``leadpilot-<Stage>-<LogicalId>`` unless the template names the resource;
    values only moto knows (queue URLs) are refined by ``Resolver.set_physical`` later.
    """
    resource = resolver.resources[logical_id]
    kind = resource.get("Type", "")
    props = resource.get("Properties", {}) or {}
    region, account = resolver.region, resolver.account_id

    def named(key: str) -> str:
        if key in props:
            return str(resolver.resolve(props[key]))
        return resolver.default_name(logical_id)

    if kind == "AWS::DynamoDB::Table":
        name = named("TableName")
        return {"Ref": name, "Arn": arn("dynamodb", f"table/{name}", region, account)}
    if kind == "AWS::SQS::Queue":
        name = named("QueueName")
        fifo = resolver.resolve(props.get("FifoQueue")) in (True, "true")
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        return {"Ref": url, "QueueUrl": url, "QueueName": name, "Arn": arn("sqs", name, region, account)}
    if kind == "AWS::Events::EventBus":
        name = str(resolver.resolve(props["Name"]))
        return {"Ref": name, "Name": name, "Arn": arn("events", f"event-bus/{name}", region, account)}
    if kind == "AWS::Events::Rule":
        name = named("Name")
        bus = str(resolver.resolve(props.get("EventBusName", "default"))).rsplit("/", 1)[-1]
        path = f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"
        return {"Ref": name, "Arn": arn("events", path, region, account)}
    if kind == "AWS::S3::Bucket":
        name = named("BucketName").lower()  # S3 bucket names are lower case
        return {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}
    if kind in STATE_MACHINE_TYPES:
        name = named("StateMachineName" if kind.startswith("AWS::Step") else "Name")
        machine_arn = arn("states", f"stateMachine:{name}", region, account)
        return {"Ref": machine_arn, "Arn": machine_arn, "Name": name}
    if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
        name = named("FunctionName")
        return {"Ref": name, "Arn": arn("lambda", f"function:{name}", region, account)}
    if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        layer = f"layer:{resolver.default_name(logical_id)}:1"
        return {"Ref": arn("lambda", layer, region, account)}
    if kind == "AWS::Scheduler::ScheduleGroup":
        name = named("Name")
        return {"Ref": name, "Arn": arn("scheduler", f"schedule-group/{name}", region, account)}
    if kind == "AWS::IAM::Role":
        name = named("RoleName")
        return {"Ref": name, "Arn": f"arn:aws:iam::{account}:role/{name}"}
    if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
        # Placeholder id: the function host's gateway is the local API Gateway.
        return {"Ref": f"local-{logical_id.lower()}", "RootResourceId": "local-root"}
    if kind == "AWS::CloudFront::Distribution":
        # Placeholder domain: the local cloud serves the dashboard on the API's own origin.
        distribution_id = f"local-{logical_id.lower()}"
        return {"Ref": distribution_id, "Id": distribution_id, "DomainName": f"{distribution_id}.cloudfront.net"}
    return {"Ref": resolver.default_name(logical_id)}
