"""Flow nodes of the calendar: send booking link, and wait for booking (booked / timeout), on compiled flows."""
from __future__ import annotations

from typing import Any

from leadpilot.automation.steps.waits import EventWaitItem, event_waits_pk
from tests.integration.calendar_helpers import booking, booking_page, days_ahead, event_type, offered, schedule
from tests.integration.test_automation_callback_steps import act_until
from tests.integration.test_automation_runtime_helpers import deliver, trigger_envelopes
from tests.integration.test_automation_steps_helpers import contact_tags, enroll, run_to_end, tagged_flow
from tests.support.apps import Api


def test_a_run_sends_the_booking_link_and_goes_on_when_the_contact_books(cloud: Any, api: Api,
                                                                        owner: dict[str, Any]) -> None:
    # Given an event type and a flow that texts its booking link, then waits three days for a booking
    token, ws = owner["access_token"], owner["workspace"]["id"]
    schedule(api, token)
    intro = event_type(api, token)
    other = event_type(api, token, slug="other-call")
    page = booking_page(api, token)
    flow = tagged_flow("invite", [
        {"id": "link", "type": "send_booking_link", "event_type_id": intro["id"], "channel": "sms",
         "body": "Hi {{contact.first_name}}, pick a time: {{vars.booking_url}}"},
        {"id": "wait", "type": "wait_for_booking", "event_type_id": intro["id"], "timeout": {"days": 3}},
        {"id": "booked", "type": "add_tag", "tag": "booked"},
        {"id": "silent", "type": "add_tag", "tag": "no_booking"},
        {"id": "done", "type": "end"},
    ], [{"from": "link", "to": "wait"}, {"from": "wait", "to": "booked", "label": "booked"},
        {"from": "wait", "to": "silent", "label": "timeout"}, {"from": "booked", "to": "done"},
        {"from": "silent", "to": "done"}])
    _, contact_id, run_id = enroll(cloud, api, token, flow)
    # When the run reaches its wait
    act_until(cloud, lambda: any(True for _ in EventWaitItem.query(event_waits_pk(ws, contact_id))))
    # Then the contact was texted the page's URL
    texts = api.get(f"/conversations/{contact_id}/messages", token=token).body["items"]
    assert any(f"/app/book/{page}/intro-call" in t["body"] and t["body"].startswith("Hi Ada") for t in texts), texts
    # When the contact books another event type, the run keeps waiting; when they book this one, it goes on
    api.post(f"/book/{page}/other-call/bookings",
             booking(offered(api, page, "other-call", days_ahead(2), days_ahead(2))[0]["start"]))
    deliver(trigger_envelopes(cloud))
    assert api.get(f"/runs/{run_id}", token=token).body["status"] == "running"
    assert other["id"] != intro["id"]
    made = api.post(f"/book/{page}/intro-call/bookings",
                    booking(offered(api, page, "intro-call", days_ahead(3), days_ahead(3))[0]["start"]))
    assert made.status == 201, made
    deliver(trigger_envelopes(cloud))
    run = run_to_end(cloud, api, token, run_id)
    # Then it took the "booked" edge
    assert run["status"] == "succeeded", run
    assert "booked" in contact_tags(api, token, contact_id) and "no_booking" not in contact_tags(api, token,
                                                                                                  contact_id)
