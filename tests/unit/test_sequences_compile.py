"""Sequences compiled to flows, and the send window's next opening."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.steps.waits import wait_target
from leadpilot.errors import ValidationFailed
from leadpilot.sequences.compile import check_steps, step_of, to_flow

STEPS = [{"day": 1, "subject": "Hi {{first_name|there}}", "body": "Hello {{business_name}}"},
         {"day": 3, "subject": "Two", "body": "B"}, {"day": 7, "subject": "Three", "body": "C"}]


def test_day_1_3_7_becomes_waits_of_2_and_4_days_with_reply_exits() -> None:
    flow = to_flow({"name": "Welcome", "steps": STEPS})
    validate_flow(flow)
    nodes = {n["id"]: n for n in flow["nodes"]}
    assert nodes["wait2"]["timeout"] == {"days": 2} and nodes["wait3"]["timeout"] == {"days": 4}
    assert nodes["send1"]["subject"] == "Hi {{contact.first_name|there}}"
    assert nodes["send1"]["body"] == "Hello {{workspace.business_name}}"
    assert {(e["from"], e.get("label")) for e in flow["edges"] if e["to"] == "replied"} == {
        ("wait2", "reply"), ("wait3", "reply"), ("last", "reply")}
    assert flow["trigger"] == {"event": "manual", "reentry": False}


def test_a_send_window_puts_a_clock_delay_before_every_send() -> None:
    flow = to_flow({"name": "W", "steps": STEPS, "send_window": {"from_hour": 9, "to_hour": 17}})
    validate_flow(flow)
    windows = [n for n in flow["nodes"] if n["type"] == "delay"]
    assert len(windows) == 3 and windows[0]["between_hours"] == {"from": 9, "to": 17}
    assert windows[0]["timezone"] == "contact"
    assert {"from": "wait2", "to": "window2", "label": "timeout"} in flow["edges"]


@pytest.mark.parametrize(("steps", "field"), [
    ([STEPS[0], {**STEPS[1], "day": 1}], "steps/1/day"),
    ([{**STEPS[0], "subject": "Hi {{nick}}"}], "steps/0/subject"),
    ([{**STEPS[0], "body": "Hi {{first_name"}], "steps/0/body"),
])
def test_bad_steps_are_refused_naming_the_step(steps: list, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_steps(steps)
    assert err.value.details["errors"][0]["field"] == field


def test_the_window_opens_next_monday_9am_in_the_contact_s_zone() -> None:
    # Friday 18:00 in New York is after the 9-17 weekday window: Monday 09:00 New York (14:00 UTC)
    friday_evening = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    window = {"between_hours": {"from": 9, "to": 17}, "weekdays": ["mon", "tue", "wed", "thu", "fri"],
              "timezone": "contact"}
    new_york = ZoneInfo("America/New_York")
    assert wait_target(window, friday_evening, new_york) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    # Inside the window it is now
    tuesday_noon_ny = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert wait_target(window, tuesday_noon_ny, new_york) == tuesday_noon_ny


def test_step_of_names_the_step_of_a_send_node() -> None:
    assert (step_of("send3"), step_of("wait2"), step_of(None)) == (3, None, None)
