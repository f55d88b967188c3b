"""Send booking link: the contact gets the public booking page of an event type by text or email, the URL in
`{{vars.booking_url}}` of the node's text (through the same send paths as send_sms / send_email)."""
from __future__ import annotations

from typing import Any

from leadpilot.automation.steps.actions import FAILED, Job, PermanentFailure
from leadpilot.calendar.links import app_base
from leadpilot.calendar.public import booking_url
from leadpilot.email.config import email_config
from leadpilot.errors import NotFound


def _base(job: Job) -> str:
    """Where the booking page is served (the dashboard's public route; see calendar.links.app_base)."""
    base = app_base(job.settings, email_config().public_base_url)
    if not base:
        raise PermanentFailure(FAILED, f"send_booking_link at {job.node}: no public URL is configured "
                                       "(DASHBOARD_ORIGIN or PUBLIC_BASE_URL)")
    return base


def send(job: Job) -> dict[str, Any]:
    try:
        url = booking_url(job.workspace_id, str(job.config["event_type_id"]), _base(job))
    except NotFound as exc:
        raise PermanentFailure(FAILED, f"send_booking_link at {job.node}: the event type no longer exists") from exc
    context = {**job.context, "vars": {**(job.context.get("vars") or {}), "booking_url": url}}
    if job.config["channel"] == "email":
        from leadpilot.email.automation import send_email_action

        config = {"subject": job.config.get("subject") or "Book a time", "body": job.config["body"]}
        result = send_email_action(job.settings, job.workspace_id, job.contact_id, config, context,
                                   flow_id=job.flow_id, node=job.node, run_id=job.run_id, action_key=job.key)
        return {**result, "booking_url": url}
    contact = job.contact()
    if not contact.get("phone"):
        raise PermanentFailure(FAILED, f"send_booking_link at {job.node}: the contact has no phone")
    if contact.get("do_not_contact"):
        return {"sent": False, "reason": "do_not_contact", "booking_url": url}
    from leadpilot.sms.flow_send import send_for_flow

    job.context = context
    text = job.render(job.config["body"], contact)
    result = send_for_flow(job.settings, job.workspace_id, job.contact_id, text, f"{job.run_id}#{job.key}",
                           job.identity.actor())
    return {**result, "booking_url": url}
