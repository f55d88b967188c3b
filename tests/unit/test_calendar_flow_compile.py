"""The calendar's flow nodes validate and compile like the other action and callback steps."""
from __future__ import annotations

import json

import pytest
from statelint.linter import Linter

from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.errors import ValidationFailed

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/leadpilot-actions"
ET = "01M80A45J90JMESM0AR82N1PFF"


def _doc(wait_edges: list[dict[str, str]]) -> dict:
    return {"name": "Book a call", "trigger": {"event": "contact.created"},
            "nodes": [{"id": "start", "type": "trigger"},
                      {"id": "link", "type": "send_booking_link", "event_type_id": ET, "channel": "email",
                       "subject": "Book", "body": "Pick a time: {{vars.booking_url}}"},
                      {"id": "wait", "type": "wait_for_booking", "event_type_id": ET, "timeout": {"days": 2}},
                      {"id": "yes", "type": "end"}, {"id": "no", "type": "end"}],
            "edges": [{"from": "start", "to": "link"}, {"from": "link", "to": "wait"}, *wait_edges]}


def test_wait_for_booking_compiles_to_a_callback_task_with_a_timeout_edge() -> None:
    # Given a flow that sends a booking link and waits two days for the booking
    flow = validate_flow(_doc([{"from": "wait", "to": "yes", "label": "booked"},
                               {"from": "wait", "to": "no", "label": "timeout"}]))
    # When compiled
    asl = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1)
    states = asl["States"]
    # Then the link is an action task and the wait a callback task whose timeout leads to the timeout edge
    assert states["link"]["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert states["link"]["Parameters"]["MessageBody"]["action"] == "send_booking_link"
    assert states["wait"]["TimeoutSeconds"] == 2 * 86400 and states["wait"]["Next"] == "yes"
    timeout = next(c for c in states["wait"]["Catch"] if c["ErrorEquals"] == ["States.Timeout"])
    assert timeout["Next"] == "no"
    assert Linter.validate(json.dumps(asl)) == []


def test_wait_for_booking_needs_its_booked_and_timeout_edges() -> None:
    # Given the wait without a timeout edge / When validated / Then the error names the node and its edges
    with pytest.raises(ValidationFailed) as refused:
        validate_flow(_doc([{"from": "wait", "to": "yes", "label": "booked"}]))
    assert {"node": "wait", "field": "edges",
            "message": "missing outgoing edge labelled 'timeout'"} in refused.value.details["errors"]
