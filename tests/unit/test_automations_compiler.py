"""Compiled flows match their golden ASL, pass statelint, and stay a few states per node."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from statelint.linter import Linter

from leadpilot.automation.flows.compiler import DISPATCH, compile_flow, states_per_node
from leadpilot.automation.flows.validate import validate_flow

GOLDEN = Path(__file__).resolve().parents[2] / "state_machines" / "golden"
FLOWS = sorted(p.name.removesuffix(".flow.json") for p in GOLDEN.glob("*.flow.json"))
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/leadpilot-actions"
# LEADPILOT_REGENERATE_GOLDEN=1 pytest tests/unit/test_automations_compiler.py rewrites the .asl.json files.
REGENERATE = os.environ.get("LEADPILOT_REGENERATE_GOLDEN") == "1"


def compiled(name: str) -> dict:
    flow = validate_flow(json.loads((GOLDEN / f"{name}.flow.json").read_text()))
    return compile_flow(flow, action_queue_url=QUEUE, flow_id=name, version=1)


@pytest.mark.parametrize("name", FLOWS)
def test_compiled_flow_matches_its_golden_asl(name: str) -> None:
    # Given a golden flow document
    golden = GOLDEN / f"{name}.asl.json"

    # When it is compiled
    asl = compiled(name)
    if REGENERATE:
        golden.write_text(json.dumps(asl, indent=2) + "\n")

    # Then the ASL is exactly the reviewed golden file
    assert asl == json.loads(golden.read_text())


@pytest.mark.parametrize("name", FLOWS)
def test_compiled_flow_passes_statelint(name: str) -> None:
    # Given / When a golden flow compiled
    asl = compiled(name)

    # Then statelint finds no problem
    assert Linter.validate(asl) == []


def test_there_are_golden_flows_for_the_issue_scenarios() -> None:
    # Given / When / Then the follow-up, welcome and branch-on-tag examples exist
    assert {"follow_up_until_reply", "welcome_series", "branch_on_tag"} <= set(FLOWS)


@pytest.mark.parametrize("name", FLOWS)
def test_states_per_node_stay_small(name: str) -> None:
    # Given a golden flow, When compiled
    flow = validate_flow(json.loads((GOLDEN / f"{name}.flow.json").read_text()))
    figures = states_per_node(flow, compile_flow(flow, action_queue_url=QUEUE, flow_id=name, version=1))

    # Then each node costs at most 1.5 states on average (ADR 0006 lists the figures)
    assert figures["states_per_node"] <= 1.5, figures


def test_new_runs_start_at_the_first_node_and_the_entry_machine_can_enter_every_node() -> None:
    # Given the follow-up flow
    flow = validate_flow(json.loads((GOLDEN / "follow_up_until_reply.flow.json").read_text()))

    # When compiled for new runs, and as the entry machine (restarts, resumes, recoveries)
    published = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1)
    entry = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1, entry=True)

    # Then new runs go straight to the first node: no dispatcher to pass through
    assert published["StartAt"] == "intro" and DISPATCH not in published["States"]
    # And the entry machine is valid ASL, the same states behind a dispatcher that names every node but the
    # trigger, enters a loop by its reset and defaults to the first node
    assert Linter.validate(entry) == []
    assert entry["StartAt"] == DISPATCH
    assert {k: v for k, v in entry["States"].items() if k != DISPATCH} == published["States"]
    dispatch = entry["States"][DISPATCH]
    entries = {rule.get("StringEquals"): rule["Next"] for rule in dispatch["Choices"]}
    assert entries["followups"] == "followups@init"
    assert set(entries) - {None} == {"intro", "followups", "await", "nudge", "last_wait", "owner_task",
                                     "replied", "handed_over"}
    assert dispatch["Default"] == "intro"


def test_delays_and_timeouts_are_scaled_with_a_one_second_floor() -> None:
    # Given the follow-up flow with 3-day timeouts
    flow = validate_flow(json.loads((GOLDEN / "follow_up_until_reply.flow.json").read_text()))

    # When compiled at 1/3600 of real time, and at a scale that would round to zero
    hourly = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1, time_scale=1 / 3600)
    tiny = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1, time_scale=1e-9)

    # Then 3 days last 72 s, and never less than 1 s
    assert hourly["States"]["await"]["TimeoutSeconds"] == 72
    assert tiny["States"]["await"]["TimeoutSeconds"] == 1
    assert tiny["States"]["await"]["Parameters"]["MessageBody"]["time_scale"] == "0.000000001"


def test_loop_back_edge_skips_the_counter_reset_and_the_cap_is_in_asl() -> None:
    # Given / When the follow-up flow compiled
    states = compiled("follow_up_until_reply")["States"]

    # Then entry starts the first pass (count 1: with no `until` the first check always passes) straight into
    # the body, the back-edge returns to the check, and the cap exits to "done"
    assert states["intro"]["Next"] == "followups@init"
    assert states["followups@init"] == {"Type": "Pass", "Result": {"count": 1}, "ResultPath": "$.loops.followups",
                                        "Next": "await"}
    assert states["nudge"]["Next"] == "followups"
    cap = states["followups"]["Choices"][1]
    assert cap == {"Variable": "$.loops.followups.count", "NumericGreaterThanEquals": 4, "Next": "last_wait"}
    assert states["followups@next"]["Parameters"] == {"count.$": "States.MathAdd($.loops.followups.count, 1)"}


def test_actions_without_error_edge_fail_the_run_with_the_reason() -> None:
    # Given / When the branch flow compiled (notify_partner has an error edge, handoff has none)
    states = compiled("branch_on_tag")["States"]

    # Then errors go to the error edge when there is one, else to the Fail state that carries the cause
    assert states["notify_partner"]["Catch"][-1]["Next"] == "done"
    assert states["handoff"]["Catch"][0] == {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.nodes.handoff",
                                             "Next": "escalate"}
    assert states["handoff"]["Catch"][-1]["Next"] == "@failed"
    assert states["@failed"] == {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
    assert states["route@load"]["Parameters"]["MessageBody"]["action"] == "load_contact"


def test_loop_with_until_checks_before_its_first_pass() -> None:
    # Given a loop that stops as soon as a variable is set (which may already be true when it is entered)
    flow = validate_flow({
        "name": "Until", "trigger": {"event": "contact.created"},
        "nodes": [{"id": "start", "type": "trigger"},
                  {"id": "poll", "type": "loop", "max_iterations": 3,
                   "until": {"var": "vars.done", "op": "is_true"}},
                  {"id": "ping", "type": "send_sms", "body": "Ping"}, {"id": "end", "type": "end"}],
        "edges": [{"from": "start", "to": "poll"}, {"from": "poll", "to": "ping", "label": "body"},
                  {"from": "ping", "to": "poll"}, {"from": "poll", "to": "end", "label": "done"}]})

    # When compiled
    states = compile_flow(flow, action_queue_url=QUEUE, flow_id="f", version=1)["States"]

    # Then entry resets the counter to 0 and goes through the check, which can exit before any pass
    assert states["poll@init"] == {"Type": "Pass", "Result": {"count": 0}, "ResultPath": "$.loops.poll",
                                   "Next": "poll"}
    assert states["poll"]["Choices"][2]["Next"] == "end"
    assert states["poll@next"]["Next"] == "ping"
