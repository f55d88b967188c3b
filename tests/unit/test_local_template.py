"""The local cloud's template reader, intrinsic resolver and schedule arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.local.cron import Cron, Rate, next_fire, parse_schedule
from infra.local.template import Resolver, TemplateError, load_template

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 64


def _template(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return load_template(path)


# ---------------------------------------------------------------- short tags
def test_short_tags_become_long_forms(tmp_path: Path) -> None:
    # Given a template written with every common short tag
    template = _template(
        tmp_path,
        """
Resources:
  R:
    Type: X
    Properties:
      Ref: !Ref Thing
      Dotted: !GetAtt Queue.Arn
      Nested: !GetAtt Db.Endpoint.Address
      Listed: !GetAtt [Queue, Arn]
      Sub: !Sub "${AWS::Region}-${Thing}"
      SubList: !Sub ["${a}-x", {a: !Ref Thing}]
      Join: !Join [",", [a, !Ref Thing]]
      Select: !Select [1, [a, b]]
      If: !If [IsProd, big, small]
      Date: 2010-09-09
""",
    )
    # When it is loaded
    props = template["Resources"]["R"]["Properties"]
    # Then each tag is its Fn:: dictionary and dates stay strings, as CloudFormation reads them
    assert props["Ref"] == {"Ref": "Thing"}
    assert props["Dotted"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert props["Nested"] == {"Fn::GetAtt": ["Db", "Endpoint.Address"]}
    assert props["Listed"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert props["Sub"] == {"Fn::Sub": "${AWS::Region}-${Thing}"}
    assert props["SubList"] == {"Fn::Sub": ["${a}-x", {"a": {"Ref": "Thing"}}]}
    assert props["Join"] == {"Fn::Join": [",", ["a", {"Ref": "Thing"}]]}
    assert props["Select"] == {"Fn::Select": [1, ["a", "b"]]}
    assert props["If"] == {"Fn::If": ["IsProd", "big", "small"]}
    assert props["Date"] == "2010-09-09"


def test_unknown_tag_is_an_error(tmp_path: Path) -> None:
    # Given a tag CloudFormation does not have / When loaded / Then the error names it
    with pytest.raises(TemplateError, match="!Bogus"):
        _template(tmp_path, "Resources:\n  R: !Bogus x\n")


# ---------------------------------------------------------------- resolver
@pytest.fixture
def resolver() -> Resolver:
    return Resolver(load_template(ROOT / "template.yaml"), {"Stage": "qa", "JwtSecret": SECRET})


def test_parameters_and_pseudo_parameters(resolver: Resolver) -> None:
    # Given the real template with Stage=qa / When resolving references / Then local values come back
    assert resolver.resolve({"Ref": "Stage"}) == "qa"
    assert resolver.resolve({"Ref": "AWS::Region"}) == "us-east-1"
    assert resolver.resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert resolver.resolve({"Ref": "AWS::StackName"}) == "leadpilot-qa"


def test_physical_names_and_attributes(resolver: Resolver) -> None:
    # Given the real template / When resources are referenced / Then local physical ids follow the naming rule
    assert resolver.resolve({"Ref": "CrmTable"}) == "leadpilot-qa-CrmTable"
    assert resolver.resolve({"Fn::GetAtt": ["CrmTable", "Arn"]}) == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/leadpilot-qa-CrmTable"
    )
    assert resolver.resolve({"Ref": "EventBus"}) == "leadpilot-qa"
    assert resolver.resolve({"Ref": "ContactEventsQueue"}).endswith("/123456789012/leadpilot-qa-ContactEventsQueue")
    assert resolver.resolve({"Fn::GetAtt": ["ContactEventsDLQ", "Arn"]}) == (
        "arn:aws:sqs:us-east-1:123456789012:leadpilot-qa-ContactEventsDLQ"
    )
    assert resolver.resolve({"Fn::GetAtt": ["ContactEventsRule", "Arn"]}) == (
        "arn:aws:events:us-east-1:123456789012:rule/leadpilot-qa/leadpilot-qa-ContactEventsRule"
    )
    assert resolver.resolve({"Ref": "LeadPilotApi"})  # a placeholder, but a string


def test_sub_join_select_split_and_if(resolver: Resolver) -> None:
    # Given expressions mixing intrinsics / When resolved / Then they evaluate like CloudFormation
    assert resolver.resolve({"Fn::Sub": "${EventBus}:${CrmTable.Arn}:${!Literal}"}) == (
        "leadpilot-qa:arn:aws:dynamodb:us-east-1:123456789012:table/leadpilot-qa-CrmTable:${Literal}"
    )
    assert resolver.resolve({"Fn::Sub": ["${x}-${Stage}", {"x": {"Ref": "AWS::Region"}}]}) == "us-east-1-qa"
    assert resolver.resolve({"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]}) == "a/qa"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    no_value = {"Ref": "AWS::NoValue"}
    assert resolver.resolve({"keep": [1, no_value], "drop": no_value}) == {"keep": [1]}


def test_conditions(tmp_path: Path) -> None:
    # Given a template with a condition on the stage
    template = _template(
        tmp_path,
        """
Parameters: {Stage: {Type: String, Default: dev}}
Conditions: {IsProd: !Equals [!Ref Stage, prod]}
Resources:
  Only: {Type: AWS::SQS::Queue, Condition: IsProd}
""",
    )
    # When resolved for dev and for prod / Then the conditional resource follows the stage
    assert not Resolver(template, {}).resource_enabled("Only")
    assert Resolver(template, {"Stage": "prod"}).resource_enabled("Only")
    assert Resolver(template, {}).resolve({"Fn::If": ["IsProd", "p", "d"]}) == "d"


def test_parameter_rules_are_enforced() -> None:
    # Given the real template / When JwtSecret is missing, too short or Stage is invalid / Then it fails clearly
    template = load_template(ROOT / "template.yaml")
    with pytest.raises(TemplateError, match="JwtSecret has no default"):
        Resolver(template, {})
    with pytest.raises(TemplateError, match="shorter than 32"):
        Resolver(template, {"JwtSecret": "short"})
    with pytest.raises(TemplateError, match="does not match"):
        Resolver(template, {"JwtSecret": SECRET, "Stage": "Bad Stage"})
    with pytest.raises(TemplateError, match="unknown parameters: Nope"):
        Resolver(template, {"JwtSecret": SECRET, "Nope": "1"})


def test_unknown_reference_and_attribute_fail(resolver: Resolver) -> None:
    # Given references the template cannot satisfy / When resolved / Then the error names them
    with pytest.raises(TemplateError, match="Missing"):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(TemplateError, match=r"CrmTable\.Nope"):
        resolver.resolve({"Fn::GetAtt": ["CrmTable", "Nope"]})


def test_creation_order_puts_dependencies_first(resolver: Resolver) -> None:
    # Given the real template / When ordered for creation
    order = resolver.creation_order()
    # Then the DLQ precedes its queue, the bus and queue precede the rule
    assert order.index("ContactEventsDLQ") < order.index("ContactEventsQueue")
    assert order.index("EventBus") < order.index("ContactEventsRule")
    assert order.index("ContactEventsQueue") < order.index("ContactEventsRule")
    assert sorted(order) == sorted(resolver.resources)


def test_circular_dependencies_are_reported(tmp_path: Path) -> None:
    # Given two resources that reference each other / When ordered / Then the cycle is reported
    template = _template(
        tmp_path,
        """
Resources:
  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt B.QueueName}}
  B: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt A.QueueName}}
""",
    )
    with pytest.raises(TemplateError, match="circular"):
        Resolver(template).creation_order()


# ---------------------------------------------------------------- schedules
def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172800)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    # Given a rate expression / When parsed / Then it is that many seconds
    assert parse_schedule(expression) == Rate(seconds)


def test_rate_is_scaled_but_never_below_five_seconds() -> None:
    # Given rate(1 minute) / When the time scale is 1, 6 or 6000 / Then it fires after 60 s, 10 s, and 5 s
    start = at("2026-01-01T00:00:00")
    assert next_fire(Rate(60), start) == at("2026-01-01T00:01:00")
    assert next_fire(Rate(60), start, time_scale=6) == at("2026-01-01T00:00:10")
    assert next_fire(Rate(60), start, time_scale=6000) == at("2026-01-01T00:00:05")


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", "2026-03-10T11:59:30", "2026-03-10T12:00:00"),
        ("cron(0 12 * * ? *)", "2026-03-10T12:00:00", "2026-03-11T12:00:00"),
        ("cron(*/15 * * * ? *)", "2026-03-10T10:16:00", "2026-03-10T10:30:00"),
        ("cron(0 9 ? * MON-FRI *)", "2026-03-13T10:00:00", "2026-03-16T09:00:00"),  # Fri -> Mon
        ("cron(0 9 ? * 1 *)", "2026-03-10T00:00:00", "2026-03-15T09:00:00"),  # 1 = Sunday
        ("cron(30 8,17 1 * ? *)", "2026-03-01T09:00:00", "2026-03-01T17:30:00"),
        ("cron(0 0 29 FEB ? *)", "2026-03-01T00:00:00", "2028-02-29T00:00:00"),
        ("cron(0 0 1 1 ? 2027)", "2026-06-01T00:00:00", "2027-01-01T00:00:00"),
        ("cron(5/20 10-11 * * ? *)", "2026-03-10T10:30:00", "2026-03-10T10:45:00"),
    ],
)
def test_cron_next_fire(expression: str, after: str, expected: str) -> None:
    # Given a cron expression and a moment / When the next firing is computed / Then it is the expected UTC minute
    assert next_fire(parse_schedule(expression), at(after)) == at(expected)


def test_cron_that_never_fires_again_returns_none() -> None:
    # Given a schedule for a past year only / When asked for the next firing / Then there is none
    assert next_fire(parse_schedule("cron(0 0 1 1 ? 2020)"), at("2026-01-01T00:00:00")) is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "cron(0 12 * * * *)",
        "cron(0 12 ? * ? *)",
        "cron(0 12 * *)",
        "cron(0 12 L * ? *)",
        "cron(61 * * * ? *)",
        "every day",
    ],
)
def test_invalid_schedules_are_rejected(expression: str) -> None:
    # Given an expression EventBridge would reject / When parsed / Then it is refused
    with pytest.raises(ValueError):
        parse_schedule(expression)


def test_cron_fields_are_parsed() -> None:
    # Given names, lists and steps / When parsed / Then the sets are right (weekday 0 = Monday)
    cron = parse_schedule("cron(0,30 */6 ? JAN,JUL SUN,SAT *)")
    assert isinstance(cron, Cron)
    assert cron.minutes == {0, 30} and cron.hours == {0, 6, 12, 18}
    assert cron.months == {1, 7} and cron.days_of_month is None
    assert cron.days_of_week == {5, 6}
