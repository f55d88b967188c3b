"""The AI call node validates its edges and compiles to a callback task routed on the call's outcome."""
from __future__ import annotations

import json

import pytest
from statelint.linter import Linter

from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.errors import ValidationFailed

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/leadpilot-actions"


def _doc(edges: list[dict[str, str]], **call: object) -> dict:
    return {"name": "Call them", "trigger": {"event": "contact.created"},
            "nodes": [{"id": "start", "type": "trigger"},
                      {"id": "call", "type": "ai_call", "purpose": "Say hello", **call},
                      *({"id": e, "type": "end"} for e in ("ok", "vm", "none", "hot", "bad"))],
            "edges": [{"from": "start", "to": "call"}, *edges]}


BASIC = [{"from": "call", "to": "ok", "label": "answered"}, {"from": "call", "to": "vm", "label": "voicemail"},
         {"from": "call", "to": "none", "label": "no_answer"}]


def test_the_ai_call_routes_on_its_outcome_and_times_out_to_no_answer() -> None:
    # Given an AI call with an edge for the outcome "interested" and an error edge
    flow = validate_flow(_doc([*BASIC, {"from": "call", "to": "hot", "label": "interested"},
                               {"from": "call", "to": "bad", "label": "error"}],
                              outcomes=["interested", "booked"], timeout={"hours": 3}))
    # When compiled
    asl = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1)
    states = asl["States"]
    # Then the call is a callback task without retries, whose timeout is no_answer and whose failure is the error edge
    task = states["call"]
    assert task["Parameters"]["MessageBody"]["action"] == "ai_call" and "Retry" not in task
    assert task["TimeoutSeconds"] == 3 * 3600 and task["Next"] == "call@route"
    assert [c["Next"] for c in task["Catch"]] == ["none", "bad"]
    # And the route sends each outcome with an edge to it (booked has none: answered), defaulting to answered
    route = states["call@route"]
    assert [(c["And"][1]["StringEquals"], c["Next"]) for c in route["Choices"]] == [
        ("interested", "hot"), ("voicemail", "vm"), ("no_answer", "none")]
    assert route["Default"] == "ok"
    assert Linter.validate(json.dumps(asl)) == []


def test_the_ai_call_needs_its_three_edges_and_reserved_labels_are_not_outcomes() -> None:
    # Given a call without a voicemail edge / When validated / Then the error names the node and the edge
    with pytest.raises(ValidationFailed) as refused:
        validate_flow(_doc([BASIC[0], BASIC[2]]))
    assert {"node": "call", "field": "edges",
            "message": "missing outgoing edge labelled 'voicemail'"} in refused.value.details["errors"]
    # And an outcome named like a built-in edge is refused
    with pytest.raises(ValidationFailed):
        validate_flow(_doc(BASIC, outcomes=["voicemail"]))
