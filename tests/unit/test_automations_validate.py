"""Flow validation: schema errors named by node and field, graph checks, template namespaces."""
from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadpilot.automation.flows.model import Flow
from leadpilot.automation.flows.templates import render
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.errors import ValidationFailed
from leadpilot.settings import get_destinations

GOLDEN = Path(__file__).resolve().parents[2] / "state_machines" / "golden"


def follow_up() -> dict[str, Any]:
    return json.loads((GOLDEN / "follow_up_until_reply.flow.json").read_text())


def minimal(*nodes: dict[str, Any], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "t", "trigger": {"event": "contact.created"},
            "nodes": [{"id": "t", "type": "trigger"}, *nodes], "edges": edges}


def errors_of(doc: Any) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        validate_flow(doc)
    return caught.value.details["errors"]


def test_a_valid_flow_becomes_a_model() -> None:
    # Given the follow-up flow, When validated
    flow = validate_flow(follow_up())

    # Then the model has its nodes, typed configuration and labelled edges
    assert isinstance(flow, Flow)
    assert flow.first_node == "intro"
    assert flow.nodes["await"].config == {"channel": "sms", "timeout": {"days": 3}}
    assert flow.outgoing("followups") == {"body": "await", "done": "last_wait"}


def test_schema_errors_name_the_node_id_and_the_field() -> None:
    # Given a delay with a negative day count and a text without its body
    doc = minimal({"id": "n3", "type": "delay", "days": -1}, {"id": "n4", "type": "send_sms"},
                  {"id": "n5", "type": "end"},
                  edges=[{"from": "t", "to": "n3"}, {"from": "n3", "to": "n4"}, {"from": "n4", "to": "n5"}])

    # When validated
    errors = errors_of(doc)

    # Then each error names the node by id (not its index) and the field inside it
    assert {"node": "n3", "field": "days", "message": "-1 is less than the minimum of 0"} in errors
    assert {"node": "n4", "field": "body", "message": "is required"} in errors


def test_unknown_fields_and_types_are_named() -> None:
    # Given a node with a misspelt field and a node of unknown type
    doc = follow_up()
    doc["nodes"][1]["bodyy"] = "typo"
    doc["nodes"][2]["type"] = "repeat"

    # When / Then
    errors = errors_of(doc)
    assert {"node": "intro", "field": "bodyy", "message": "unknown field"} in errors
    assert any(e.get("node") == "followups" and e["field"] == "type" for e in errors)


def test_graph_problems_are_all_listed() -> None:
    # Given a flow with a dangling edge, an unreachable node, a condition missing its false edge,
    # an End with an outgoing edge and a cycle without a loop
    doc = minimal({"id": "c", "type": "condition", "if": {"var": "vars.x", "op": "eq", "value": 1}},
                  {"id": "a", "type": "add_tag", "tag": "x"}, {"id": "b", "type": "remove_tag", "tag": "x"},
                  {"id": "lost", "type": "send_sms", "body": "hi"}, {"id": "e", "type": "end"},
                  edges=[{"from": "t", "to": "c"}, {"from": "c", "to": "a", "label": "true"},
                         {"from": "a", "to": "b"}, {"from": "b", "to": "a"}, {"from": "lost", "to": "ghost"},
                         {"from": "e", "to": "a"}])

    # When validated
    errors = errors_of(doc)
    messages = {(e.get("node"), e["message"]) for e in errors}

    # Then every problem is reported at once
    assert {"field": "edges/4/to", "message": "unknown node 'ghost' (dangling edge)"} in errors
    assert ("lost", "unreachable from the trigger") in messages
    assert ("c", "missing outgoing edge labelled 'false'") in messages
    assert any(n == "e" and m.startswith("unexpected outgoing edge labelled 'next'") for n, m in messages)
    assert any(n == "a" and "cycle with no Loop node" in m for n, m in messages)
    assert any(n == "lost" and m == "missing outgoing edge labelled 'next'" for n, m in messages)


def test_a_cycle_through_a_loop_is_fine_but_a_loop_needs_a_cap() -> None:
    # Given the follow-up flow whose loop lost its cap
    doc = follow_up()
    del doc["nodes"][2]["max_iterations"]

    # When / Then only the missing cap is reported (the cycle goes through the Loop node)
    assert errors_of(doc) == [{"node": "followups", "field": "max_iterations",
                               "message": "a loop needs a hard cap: set max_iterations (at most 100)"}]


def test_the_cap_cannot_exceed_the_platform_maximum() -> None:
    # Given a loop asking for 1000 iterations
    doc = follow_up()
    doc["nodes"][2]["max_iterations"] = 1000

    # When / Then
    assert errors_of(doc) == [{"node": "followups", "field": "max_iterations",
                               "message": "1000 is greater than the maximum of 100"}]


def test_exactly_one_trigger() -> None:
    # Given a flow with two triggers, and one with none
    two = follow_up()
    two["nodes"].append({"id": "again", "type": "trigger"})
    two["edges"].append({"from": "again", "to": "intro"})
    none = follow_up()
    none["nodes"][0]["type"] = "end"
    none["edges"] = none["edges"][1:]

    # When / Then
    assert {"field": "nodes", "message": "a flow needs exactly one trigger node (found 2)"} in errors_of(two)
    assert {"field": "nodes", "message": "a flow needs exactly one trigger node (found 0)"} in errors_of(none)


def test_branch_needs_every_case_label_and_else() -> None:
    # Given a branch whose "partner" case has no edge
    doc = json.loads((GOLDEN / "branch_on_tag.flow.json").read_text())
    doc["edges"] = [e for e in doc["edges"] if e.get("label") != "partner"]

    # When / Then (notify_partner is now unreachable too)
    errors = errors_of(doc)
    assert {"node": "route", "field": "edges", "message": "missing outgoing edge labelled 'partner'"} in errors
    assert {"node": "notify_partner", "field": "(node)", "message": "unreachable from the trigger"} in errors


def test_templates_must_use_known_namespaces_and_be_well_formed() -> None:
    # Given texts that use an unknown namespace, a malformed template and a reference to no node
    doc = follow_up()
    doc["nodes"][1]["body"] = "Hi {{user.first_name}}"
    doc["nodes"][4]["body"] = "Hi {{contact.first_name"
    doc["nodes"][6]["title"] = "Call {{nodes.ghost.text}}"

    # When
    errors = errors_of(doc)

    # Then each is named by node and field
    assert any(e["node"] == "intro" and e["field"] == "body" and "unknown variable namespace 'user'" in e["message"]
               for e in errors)
    assert any(e["node"] == "nudge" and e["message"].startswith("malformed template") for e in errors)
    assert {"node": "owner_task", "field": "title", "message": "'nodes.ghost.text' refers to no node of this flow"} \
        in errors


def test_condition_variables_are_checked_too() -> None:
    # Given a condition on an unknown namespace and a comparison without a value
    doc = minimal({"id": "c", "type": "condition", "if": {"all": [{"var": "deal.amount", "op": "gt", "value": 5},
                                                                  {"var": "vars.x", "op": "eq"}]}},
                  {"id": "e", "type": "end"},
                  edges=[{"from": "t", "to": "c"}, {"from": "c", "to": "e", "label": "true"},
                         {"from": "c", "to": "e", "label": "false"}])

    # When / Then
    errors = errors_of(doc)
    assert any(e["node"] == "c" and e["field"] == "if/all/0/var" and "'deal'" in e["message"] for e in errors)
    assert {"node": "c", "field": "if/all/1/value", "message": "is required"} in errors


def test_not_an_object_is_rejected_cleanly() -> None:
    # Given / When / Then
    assert errors_of([]) == [{"field": "(flow)", "message": "must be of type object"}]
    assert errors_of(copy.deepcopy({"name": "x"}))[0]["message"] == "is required"


def test_render_uses_defaults_for_missing_values() -> None:
    # Given a template with defaults, When rendered, Then missing or empty values take the default
    text = "Hi {{contact.first_name|there}}, {{vars.code}}!"
    assert render(text, {"contact": {"first_name": "Ada"}, "vars": {"code": 7}}) == "Hi Ada, 7!"
    assert render(text, {"contact": {"first_name": ""}}) == "Hi there, !"


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Production destination rules (no local receiver listed); set variables through the returned monkeypatch."""
    for name in ("LEADPILOT_WEBHOOK_ALLOW", "LEADPILOT_PLATFORM_ENDPOINTS", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    get_destinations.cache_clear()
    yield monkeypatch
    get_destinations.cache_clear()


def webhook_flow(url: str) -> dict[str, Any]:
    return minimal({"id": "hook", "type": "webhook", "url": url}, {"id": "done", "type": "end"},
                   edges=[{"from": "t", "to": "hook"}, {"from": "hook", "to": "done"}])


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1:9000/in", "must not point at a non-public address (127.0.0.1)"),
    ("http://100.64.0.1/in", "must not point at a non-public address (100.64.0.1)"),
    ("http://[::ffff:10.0.0.1]/in", "must not point at a non-public address (::ffff:a00:1)"),
    ("http://169.254.169.254/latest/meta-data", "must not point at a non-public address (169.254.169.254)"),
    ("http://0.0.0.0:8080/", "must not point at a non-public address (0.0.0.0)"),
    ("http://2130706433/", "must not point at a non-public address (127.0.0.1)"),
    ("http://localhost:8080/in", "must not point at a non-public address (127.0.0.1)"),
    ("http://api.localhost/in", "must not point at a non-public address (127.0.0.1)"),
    ("https://user:pw@example.com/in", "must not carry credentials (user:password@)"),
    ("https://{{vars.user}}@example.com/in", "must not carry credentials (user:password@)"),
    ("https://example.com:0x50/in", "has an invalid port"),
])
def test_a_webhook_url_that_reaches_our_network_is_refused_naming_the_node(
        url: str, message: str, rules: pytest.MonkeyPatch) -> None:
    # Given production rules (no local receiver listed)
    # When a flow calling `url` is validated / Then the webhook node's url is the problem
    assert errors_of(webhook_flow(url)) == [{"node": "hook", "field": "url", "message": message}]


def test_a_public_or_templated_webhook_url_is_accepted_and_ftp_is_the_schemas(rules: pytest.MonkeyPatch) -> None:
    for url in ("https://hooks.example.com/in", "http://93.184.215.14:8080/x", "https://{{vars.host}}/in",
                "https://example.com/{{contact.id}}"):
        assert validate_flow(webhook_flow(url)).nodes["hook"].config["url"] == url
    assert [(e["node"], e["field"]) for e in errors_of(webhook_flow("ftp://example.com/in"))] == [("hook", "url")]


def test_a_listed_local_receiver_is_accepted_on_its_port_only(rules: pytest.MonkeyPatch) -> None:
    # Given 127.0.0.1:9000 listed, and the platform's own endpoints known (the gateway also listed)
    rules.setenv("LEADPILOT_WEBHOOK_ALLOW", "127.0.0.1:9000,localhost:3000")
    rules.setenv("LEADPILOT_PLATFORM_ENDPOINTS", "127.0.0.1:3000,127.0.0.1:5000")

    # Then the listed receiver is fine, another port is not, and the gateway stays refused though listed
    validate_flow(webhook_flow("http://127.0.0.1:9000/in"))
    assert errors_of(webhook_flow("http://127.0.0.1:9001/in"))[0]["field"] == "url"
    for url in ("http://localhost:3000/dev/emails", "http://127.0.0.1:5000/moto-api/data.json"):
        assert "platform's own endpoints" in errors_of(webhook_flow(url))[0]["message"], url
    # and a version published earlier can still be rebuilt: the rules apply where its request is made
    validate_flow(webhook_flow("http://127.0.0.1:5000/"), check_destinations=False)
