"""Provisioning template.yaml into moto (in-process) gives the resources the template declares."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.local.model import Deployment
from infra.local.provision import provision
from infra.local.template import TemplateError, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
PARAMETERS = {"Stage": "test", "JwtSecret": "j" * 64}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh in-process AWS (moto) with fake credentials and no endpoint override."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture
def deployment(aws: None) -> Deployment:
    return provision(TEMPLATE, PARAMETERS)


def test_tables_have_the_template_keys_gsi_and_ttl(deployment: Deployment) -> None:
    # Given the provisioned template / When its tables are described
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for logical_id in ("IdentityTable", "CrmTable"):
        name = deployment.tables[logical_id].name
        table = dynamodb.describe_table(TableName=name)["Table"]
        # Then keys, GSI1, billing mode and TTL are those of the template
        assert name == f"leadpilot-test-{logical_id}"
        assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {("PK", "HASH"), ("SK", "RANGE")}
        gsi = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
        assert {(k["AttributeName"], k["KeyType"]) for k in gsi["GSI1"]["KeySchema"]} == {
            ("GSI1PK", "HASH"),
            ("GSI1SK", "RANGE"),
        }
        assert gsi["GSI1"]["Projection"]["ProjectionType"] == "ALL"
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_queue_has_redrive_policy_to_its_dlq(deployment: Deployment) -> None:
    # Given the provisioned queues / When the main queue's attributes are read
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue, dlq = deployment.queues["ContactEventsQueue"], deployment.queues["ContactEventsDLQ"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    # Then the visibility timeout and the redrive policy (to the DLQ's real ARN) are the template's
    assert attributes["VisibilityTimeout"] == "360"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 5}
    dlq_attributes = sqs.get_queue_attributes(QueueUrl=dlq.url, AttributeNames=["MessageRetentionPeriod"])
    assert dlq_attributes["Attributes"]["MessageRetentionPeriod"] == "1209600"


def test_contact_event_on_the_bus_lands_in_the_queue(deployment: Deployment) -> None:
    # Given the bus, rule and queue of the template
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    bus = deployment.resources["EventBus"].name
    # When a leadpilot.contacts event and an unrelated event are put on the bus
    events.put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": "leadpilot.contacts",
                "DetailType": "contact.created",
                "Detail": json.dumps({"contact_id": "c1"}),
            },
            {"EventBusName": bus, "Source": "leadpilot.other", "DetailType": "x", "Detail": "{}"},
        ]
    )
    # Then only the contact event reaches ContactEventsQueue, as an EventBridge envelope
    url = deployment.queues["ContactEventsQueue"].url
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert [json.loads(m["Body"])["detail"] for m in messages] == [{"contact_id": "c1"}]
    assert json.loads(messages[0]["Body"])["detail-type"] == "contact.created"


def test_provisioning_twice_is_fine(deployment: Deployment) -> None:
    # Given an already provisioned cloud / When provisioned again
    again = provision(TEMPLATE, PARAMETERS)
    # Then nothing fails and the physical resources are the same
    assert again.resources == deployment.resources


def test_every_function_is_described_with_its_events(deployment: Deployment) -> None:
    # Given the template's functions / When described
    functions = {spec.logical_id: spec for spec in deployment.functions}
    declared = {lid for lid, res in load_template(TEMPLATE)["Resources"].items()
                if res["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == declared and {"IdentityFunction", "ContactsFunction"} <= declared
    contacts = functions["ContactsFunction"]
    # Then code, handler, environment (globals + own) and every event are there
    assert contacts.code_uri == ROOT / "functions" / "contacts"
    assert contacts.module_path == ROOT / "functions" / "contacts" / "app.py" and contacts.attribute == "app"
    assert contacts.environment["CRM_TABLE"] == "leadpilot-test-CrmTable"
    assert contacts.environment["EVENT_BUS_NAME"] == "leadpilot-test"
    assert contacts.environment["LEADPILOT_JWT_SECRET"] == PARAMETERS["JwtSecret"]
    assert contacts.environment["POWERTOOLS_SERVICE_NAME"] == "contacts"
    assert ("/contacts/{contact_id}", "GET") in {(r.path, r.method) for r in contacts.api_routes}
    assert len(functions["IdentityFunction"].api_routes) == 18
    consumer = functions["ContactEventsFunction"]
    assert consumer.handler == "app.on_contact_event" and consumer.timeout == 60 and consumer.memory_size == 512
    (source,) = consumer.sqs_sources
    assert source.queue_url == deployment.queues["ContactEventsQueue"].url
    assert source.batch_size == 10 and source.reports_batch_item_failures
    (schedule,) = functions["OutboxPublisherFunction"].schedules
    assert schedule.expression == "rate(1 minute)" and schedule.enabled


def test_state_machines_from_file_and_inline(aws: None, tmp_path: Path) -> None:
    # Given a template with a SAM state machine (DefinitionUri + substitutions) and an inline one
    (tmp_path / "machine.asl.json").write_text(
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"q": "${QueueUrl}"}, "End": True}}})
    )
    (tmp_path / "template.yaml").write_text("""
Resources:
  Queue: {Type: AWS::SQS::Queue}
  FromFile:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: machine.asl.json
      DefinitionSubstitutions: {QueueUrl: !Ref Queue}
      Role: !GetAtt SomeRole.Arn
  SomeRole: {Type: AWS::IAM::Role}
  Inline:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition: {StartAt: W, States: {W: {Type: Wait, Seconds: 1, End: true}}}
""")
    # When provisioned twice
    provision(tmp_path / "template.yaml", {})
    deployment = provision(tmp_path / "template.yaml", {})
    # Then both machines exist with the substituted definition
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.describe_state_machine(stateMachineArn=deployment.resources["FromFile"].arn)
    assert json.loads(machine["definition"])["States"]["P"]["Result"]["q"] == deployment.queues["Queue"].url
    assert machine["roleArn"] == "arn:aws:iam::123456789012:role/leadpilot-local"
    assert sfn.describe_state_machine(stateMachineArn=deployment.resources["Inline"].arn)["name"] == (
        "leadpilot-dev-Inline"
    )


def test_unknown_resource_type_fails_before_creating_anything(aws: None, tmp_path: Path) -> None:
    # Given a template with a type the local cloud does not know
    (tmp_path / "template.yaml").write_text("""
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Topic: {Type: AWS::SNS::Topic}
""")
    # When provisioned / Then it fails naming the resource, and no queue was created
    with pytest.raises(TemplateError, match=r"Topic \(AWS::SNS::Topic\)"):
        provision(tmp_path / "template.yaml", {})
    assert boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", []) == []


def test_a_changed_template_updates_an_existing_queue(aws: None, tmp_path: Path) -> None:
    # Given a queue provisioned with one visibility timeout
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 30}}\n")
    provision(template, {})
    # When the template changes the timeout and the cloud is provisioned again
    template.write_text("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 45}}\n")
    deployment = provision(template, {})
    # Then the existing queue has the new value
    sqs = boto3.client("sqs", region_name="us-east-1")
    attributes = sqs.get_queue_attributes(QueueUrl=deployment.queues["Q"].url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "45"


def test_conditional_environment_variables_follow_their_parameters(aws: None) -> None:
    # Given the template's OPENAI_API_KEY, set only when the OpenAiApiKey parameter is not empty
    without = provision(TEMPLATE, PARAMETERS).function("AutomationsFunction").environment
    keyed = provision(TEMPLATE, {**PARAMETERS, "OpenAiApiKey": "sk-local"})
    with_key = keyed.function("AutomationsFunction").environment
    # Then an empty parameter leaves the variable out (AWS::NoValue), a set one passes it on
    assert "OPENAI_API_KEY" not in without
    assert with_key["OPENAI_API_KEY"] == "sk-local"


def test_only_the_send_workers_are_told_the_stage_url_unless_a_custom_domain_is_set(aws: None) -> None:
    # Given the template provisioned without and with a custom API domain
    plain = provision(TEMPLATE, PARAMETERS)
    custom = provision(TEMPLATE, {**PARAMETERS, "PublicBaseUrl": "https://api.example.com"})
    # Then the functions serving routes are not told a URL (they read it from each request; the API refers to
    # them, so the stage URL would be a cycle), the send workers are told the stage URL for links and callbacks
    assert "PUBLIC_BASE_URL" not in plain.function("MessagingFunction").environment
    stage_url = "https://local-leadpilotapi.execute-api.us-east-1.amazonaws.com/test"
    assert plain.function("SmsSendFunction").environment["PUBLIC_BASE_URL"] == stage_url
    assert plain.function("EmailSendFunction").environment["PUBLIC_BASE_URL"] == stage_url
    # And a custom domain reaches every function
    assert {spec.environment["PUBLIC_BASE_URL"] for spec in custom.functions} == {"https://api.example.com"}


def test_without_a_dashboard_nothing_of_it_is_provisioned_and_no_origin_is_admitted(aws: None) -> None:
    # Given the template provisioned as `make localstack` deploys it (Dashboard=none), and with a dashboard
    bare = provision(TEMPLATE, {**PARAMETERS, "Dashboard": "none"})
    full = provision(TEMPLATE, PARAMETERS)
    # Then its bucket is left out, and the functions admit no browser origin
    assert "DashboardBucket" in full.resources and "DashboardBucket" not in bare.resources
    assert not [name for name in bare.resources if name.startswith("Dashboard")]
    assert bare.function("ContactsFunction").environment["DASHBOARD_ORIGIN"] == ""
    assert full.function("ContactsFunction").environment["DASHBOARD_ORIGIN"].endswith(".cloudfront.net")
    # And a DashboardOrigin still admits the origin it names
    named = provision(TEMPLATE, {**PARAMETERS, "Dashboard": "none", "DashboardOrigin": "https://app.example.com"})
    assert named.function("ContactsFunction").environment["DASHBOARD_ORIGIN"] == "https://app.example.com"
