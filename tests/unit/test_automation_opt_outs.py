"""Which events are opt-outs, the flow's on_opt_out setting, and the outcome an End node gives (no AWS)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leadpilot.automation.flows.compiler import compile_flow
from leadpilot.automation.flows.model import end_outcome, opt_out_policy
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs.opt_outs import OptOut, of_event
from leadpilot.errors import ValidationFailed

GOLDEN = Path(__file__).resolve().parents[2] / "state_machines" / "golden"
INBOUND = {"type": "system", "id": "sms-inbound"}
USER = {"type": "user", "id": "01M80A44ATQY01SY5EN15AJ0HX"}


def event(event_type: str, data: dict[str, Any] | None = None, changes: dict[str, Any] | None = None,
          actor: dict[str, str] | None = None) -> dict[str, Any]:
    return {"id": "01M80A46AE3NAJSG3E822B914B", "type": event_type, "workspace_id": "01M80A44ENZG8W6M53K8H15247",
            "actor": actor or USER, "data": data or {}, "changes": changes or {}}


@pytest.mark.parametrize(("given", "expected"), [
    (event("contact.updated", changes={"do_not_contact": {"from": False, "to": True}}, actor=INBOUND),
     OptOut("sms", "the contact texted an opt-out keyword")),
    (event("contact.updated", changes={"do_not_contact": {"from": False, "to": True}}),
     OptOut("all", "the contact was marked do-not-contact")),
    (event("sms.keyword_received", {"intent": "opt_out", "word": "REVOKE"}),
     OptOut("sms", "the contact texted REVOKE")),
    (event("email.unsubscribed", {"contact_id": "c", "method": "one_click"}),
     OptOut("email", "the contact unsubscribed from email")),
    (event("email.unsubscribed", {"contact_id": "c", "method": "complaint"}),
     OptOut("email", "the contact marked an email as spam")),
])
def test_opt_outs_are_read_from_their_events(given: dict[str, Any], expected: OptOut) -> None:
    assert of_event(given) == expected


@pytest.mark.parametrize("given", [
    event("contact.updated", changes={"do_not_contact": {"from": True, "to": False}}, actor=INBOUND),  # START
    event("contact.updated", changes={"company": {"from": "A", "to": "B"}}),
    event("contact.updated", changes={"do_not_contact": True}),  # not a change record
    event("sms.keyword_received", {"intent": "help", "word": "HELP"}),
    event("sms.keyword_received", {"intent": "opt_in", "word": "START"}),
    event("sms.received", {"body": "STOP"}),  # a keyword is never an sms.received; a sentence is no opt-out
    event("email.bounced", {"permanent": True}),
])
def test_other_events_are_no_opt_out(given: dict[str, Any]) -> None:
    assert of_event(given) is None


def test_on_opt_out_is_exit_unless_the_flow_says_continue() -> None:
    # Given the golden follow-up flow
    doc = json.loads((GOLDEN / "follow_up_until_reply.flow.json").read_text())

    # Then without the setting its runs exit, with continue they go on, and any other value is refused by name
    assert opt_out_policy(doc) == "exit"
    validate_flow({**doc, "on_opt_out": "continue"})
    assert opt_out_policy({**doc, "on_opt_out": "continue"}) == "continue"
    with pytest.raises(ValidationFailed) as refused:
        validate_flow({**doc, "on_opt_out": "pause"})
    assert "on_opt_out" in json.dumps(refused.value.details)


def test_an_end_node_compiles_to_a_terminal_state_that_names_its_outcome() -> None:
    # Given a flow with a labelled end ("replied") and an unlabelled one ("handed_over" in another copy)
    doc = json.loads((GOLDEN / "follow_up_until_reply.flow.json").read_text())
    unlabelled = {**doc, "nodes": [{k: v for k, v in n.items() if k != "outcome"} for n in doc["nodes"]]}

    # When compiled
    states = compile_flow(validate_flow(doc), action_queue_url="https://q", flow_id="f", version=1)["States"]
    bare = compile_flow(validate_flow(unlabelled), action_queue_url="https://q", flow_id="f", version=1)["States"]

    # Then each end writes its outcome label, else its id, to $.outcome and ends the execution
    assert states["replied"] == {"Type": "Pass", "Result": "replied", "ResultPath": "$.outcome", "End": True}
    assert states["handed_over"]["Result"] == "max_follow_ups"
    assert bare["handed_over"]["Result"] == "handed_over"
    flow = validate_flow(unlabelled)
    assert end_outcome(flow.nodes["replied"]) == "replied"
