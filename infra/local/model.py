"""What a local deployment consists of: physical resources and the functions to host."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from infra.local.template import ACCOUNT_ID, REGION

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"


@dataclass(frozen=True)
class Resource:
    """A resource the local cloud created (or describes), by its template logical id."""

    logical_id: str
    type: str
    name: str
    arn: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ApiRoute:
    """An ``Api`` event: API Gateway REST (v1) proxy integration for one path and method."""

    event_name: str
    path: str
    method: str  # upper case; "ANY" matches every method


@dataclass(frozen=True)
class SqsSource:
    """An ``SQS`` event: the event-source mapping Lambda would run for a queue."""

    event_name: str
    queue_url: str
    queue_arn: str
    batch_size: int = 10
    function_response_types: tuple[str, ...] = ()
    enabled: bool = True
    batching_window_s: float = 0.0  # MaximumBatchingWindowInSeconds: how long a batch over 10 may gather

    @property
    def reports_batch_item_failures(self) -> bool:
        """True when the handler may return ``batchItemFailures``."""
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class ScheduleSpec:
    """A ``Schedule``/``ScheduleV2`` event: an EventBridge rule that invokes the function."""

    event_name: str
    expression: str
    rule_arn: str
    enabled: bool = True
    input: str | None = None  # JSON text sent instead of the Scheduled Event, as in AWS


@dataclass(frozen=True)
class WebSocketRoute:
    """A route of a WebSocket API: its key ($connect, $default, an action) and the function it invokes."""

    route_key: str
    function_id: str
    two_way: bool = False  # the route has a route response: what the function returns goes back to the client


@dataclass(frozen=True)
class WebSocketApi:
    """An API Gateway WebSocket API, served by the local gateway on its own port under `path`."""

    logical_id: str
    path: str  # /live for LiveApi
    api_id: str
    stage: str
    selection_expression: str  # e.g. $request.body.action
    routes: dict[str, WebSocketRoute] = field(default_factory=dict)


@dataclass
class FunctionSpec:
    """A function of the template as the function host runs it."""

    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, str] = field(default_factory=dict)
    api_routes: list[ApiRoute] = field(default_factory=list)
    sqs_sources: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    function_name: str = ""
    memory_size: int = 128
    timeout: int = 3

    def __post_init__(self) -> None:
        self.function_name = self.function_name or f"leadpilot-local-{self.logical_id}"

    @property
    def module_path(self) -> Path:
        """File that holds the handler: ``app.app`` -> ``<code_uri>/app.py``."""
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def attribute(self) -> str:
        """Name of the handler inside its module: ``app.on_event`` -> ``on_event``."""
        return self.handler.rpartition(".")[2]

    @property
    def arn(self) -> str:
        """ARN the function would have in AWS (used for the Lambda context)."""
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"


@dataclass
class Deployment:
    """Everything ``provision`` set up, by logical id, plus the function specs."""

    stage: str
    parameters: dict[str, str]
    resources: dict[str, Resource] = field(default_factory=dict)
    functions: list[FunctionSpec] = field(default_factory=list)
    websocket_apis: list[WebSocketApi] = field(default_factory=list)
    region: str = REGION
    account_id: str = ACCOUNT_ID

    def function(self, logical_id: str) -> FunctionSpec:
        """The spec of one function; KeyError names the unknown id."""
        for spec in self.functions:
            if spec.logical_id == logical_id:
                return spec
        raise KeyError(f"no function {logical_id} in the deployment")

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        """Resources of one CloudFormation type, by logical id."""
        return {lid: res for lid, res in self.resources.items() if res.type == resource_type}

    @property
    def tables(self) -> dict[str, Resource]:
        """DynamoDB tables by logical id."""
        return self.of_type(TABLE)

    @property
    def queues(self) -> dict[str, Resource]:
        """SQS queues by logical id."""
        return self.of_type(QUEUE)
