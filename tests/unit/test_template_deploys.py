"""template.yaml deploys: after the SAM transform that `sam deploy` applies, CloudFormation can order every resource.

CloudFormation refuses a template whose resources refer to each other in a circle (Ref, GetAtt, Sub, DependsOn),
and a reference to a resource its condition leaves out. Both are checked on the whole template, as the transform
writes it, for each kind of deployment: defaults, a custom API domain, and no dashboard (LocalStack). The transform
is the same for all three (it leaves every parameter to CloudFormation, checked below): each deployment's graph is
the resources and the Fn::If branches its conditions choose.
"""
from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from tests.support.sam import (
    TEMPLATE,
    conditional_references,
    dependency_graph,
    holding,
    references,
    same_but_deployment_hash,
    transformed,
    transformed_with_one_event_each,
)

# One worker runs every test of the SAM transform (about 1 CPU-second, cached per process): once, not once per worker.
pytestmark = pytest.mark.xdist_group("sam-transform")

DEPLOYMENTS = {
    "defaults": {},
    "custom domains": {"PublicBaseUrl": "https://api.example.com", "DashboardOrigin": "https://app.example.com"},
    "no dashboard": {"Dashboard": "none"},
}
STAGE_URL = {"Fn::Sub": "https://${LeadPilotApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"}


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    """Every group of resources that refer to each other in a circle (a self-reference included)."""
    groups = [sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1]
    return groups + [[name] for name in nx.nodes_with_selfloops(graph)]


@pytest.mark.parametrize("parameters", DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys())
def test_no_resource_depends_on_itself_through_others(parameters: dict[str, str]) -> None:
    # Given the template as CloudFormation receives it, and what each resource this deployment creates refers to
    # in the branches its conditions take
    template = transformed()
    holds = holding(template, parameters)
    graph = dependency_graph(template, holds)
    # Then the graph is every resource the deployment creates, with the API wired to its functions (what a cycle
    # would run through), and the dashboard only where it is deployed
    created = {name for name, res in template["Resources"].items() if holds.get(res.get("Condition", ""), True)}
    assert set(graph) == created and len(graph) > 200
    assert graph.has_edge("LeadPilotApi", "ContactsFunction") and graph.has_edge("ContactsFunction", "CrmTable")
    assert ("DashboardDistribution" in graph) == (parameters.get("Dashboard", "cloudfront") == "cloudfront")
    assert graph.has_edge("ContactsFunction", "DashboardDistribution") == (
        "DashboardOrigin" not in parameters and "Dashboard" not in parameters)
    # And no resource needs itself, directly or through others
    assert _cycles(graph) == []


def test_the_transform_leaves_every_parameter_to_cloudformation() -> None:
    # Given the names of the template's parameters
    parameters = set(TEMPLATE["Parameters"])
    # Then no function's event (the routes and queues the transform turns into the API and its mappings) names one
    for name, resource in TEMPLATE["Resources"].items():
        events = resource.get("Properties", {}).get("Events", {})
        assert not references(events) & parameters, name
    # And with the events' part the same, every deployment's parameters give the defaults' transform: one
    # transform serves them all, each deployment choosing its branches of the Fn::Ifs
    defaults = transformed_with_one_event_each({})
    assert len(defaults["Resources"]) > 100
    for deployment in DEPLOYMENTS.values():
        assert transformed_with_one_event_each(deployment) == defaults


def test_the_transform_editing_the_api_definition_in_place_makes_the_same_template() -> None:
    # Given the transform as SAM runs it, copying the API's definition at each of its 45 routes here, and as these
    # tests run it, editing the one definition in place
    copied = transformed_with_one_event_each({}, copying=True)
    edited = transformed_with_one_event_each({})
    # Then both make the same template, but for the hash of the definition's key order in the deployment's id
    assert sum(1 for name in copied["Resources"] if name.startswith("LeadPilotApiDeployment")) == 1
    assert same_but_deployment_hash(edited) == same_but_deployment_hash(copied)


def test_a_cycle_would_be_found() -> None:
    # Given the template with one function told the API's URL, as the API refers to that function
    template = transformed()
    resources = dict(template["Resources"])
    contacts = dict(resources["ContactsFunction"])
    contacts["Properties"] = {**contacts["Properties"], "Environment": {"Variables": {"PUBLIC_BASE_URL": STAGE_URL}}}
    resources["ContactsFunction"] = contacts
    # Then the check names the circle
    assert _cycles(dependency_graph({**template, "Resources": resources})) == [["ContactsFunction", "LeadPilotApi"]]


def _known_names(template: dict[str, Any]) -> set[str]:
    return set(template["Resources"]) | set(template["Parameters"])


def test_every_reference_names_something_the_stack_has_where_it_has_it() -> None:
    # Given the transformed template, its resources' conditions, and every reference in resources and outputs
    template = transformed()
    conditions = {name: res["Condition"] for name, res in template["Resources"].items() if "Condition" in res}
    sections = [*template["Resources"].items(), *template["Outputs"].items()]
    known = _known_names(template)
    for name, section in sections:
        guarded = {section["Condition"]} if "Condition" in section else set()
        for referred, where in conditional_references({k: v for k, v in section.items() if k != "Condition"}):
            # Then each is a resource, a parameter or a pseudo parameter
            assert referred in known or referred.startswith("AWS::"), (name, referred)
            # And a resource that a condition can leave out is only referred to where that condition holds
            if referred in conditions:
                taken = {condition for condition, value in where if value}
                assert conditions[referred] in guarded | taken, (name, referred, conditions[referred])
    # And with Dashboard=none the whole dashboard is left out, its outputs too
    dashboard = {name for name in template["Resources"] if name.startswith("Dashboard")}
    assert len(dashboard) == 6 and {conditions[name] for name in dashboard} == {"HasDashboard"}
    assert {name for name, output in template["Outputs"].items() if output.get("Condition") == "HasDashboard"} == {
        "DashboardUrl", "DashboardBucket", "DistributionId"}


def test_only_functions_the_api_does_not_invoke_are_told_its_url() -> None:
    # Given the transformed template and the functions the REST API invokes
    template = transformed()
    graph = dependency_graph(template)
    functions = {name: res for name, res in template["Resources"].items() if res["Type"] == "AWS::Lambda::Function"}
    invoked = set(functions) & nx.descendants(graph, "LeadPilotApi")
    assert {"ContactsFunction", "MessagingFunction", "EmailFunction"} <= invoked
    urls = {name: res["Properties"]["Environment"]["Variables"].get("PUBLIC_BASE_URL")
            for name, res in functions.items()}
    # Then the functions serving routes get a custom domain when one is set, and otherwise read it from requests
    custom_only = {"Fn::If": ["HasPublicBaseUrl", {"Ref": "PublicBaseUrl"}, {"Ref": "AWS::NoValue"}]}
    assert {urls[name] == custom_only for name in invoked} == {True}
    # And the send workers, which put the URL in emails and Twilio status callbacks, calendar sync's consumer and
    # renewal, which register it for Google's and Microsoft's pushes, and the calendar's consumer of external changes,
    # which sends the booker a new manage link, and the automation actions, whose AI call step gives Twilio the
    # call's webhook URLs, get the stage URL otherwise
    told = {name for name, url in urls.items() if url != custom_only}
    assert told == {"EmailSendFunction", "SmsSendFunction", "CalendarSyncEventsFunction", "CalendarSyncRenewFunction",
                    "CalendarExternalChangesFunction", "AutomationActionsFunction"}
    for name in told:
        assert urls[name] == {"Fn::If": ["HasPublicBaseUrl", {"Ref": "PublicBaseUrl"}, STAGE_URL]}
