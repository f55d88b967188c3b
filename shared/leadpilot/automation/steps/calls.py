"""The AI call node: the action worker places the call and parks the node's task token on the call record;
the call's end (voicemail, no answer) or its analysis (answered, with an outcome label) answers it (ADR 0025)."""
from __future__ import annotations

from leadpilot.automation.runs import runs
from leadpilot.automation.runs.models import ActionMarkerItem
from leadpilot.automation.steps.actions import FAILED, Job, _failed
from leadpilot.errors import DomainError
from leadpilot.identity import store as identity_store
from leadpilot.sms.config import messaging_config


def park(job: Job, token: str) -> None:
    """Place the call once per action (its idempotency key), holding the token until the call resolves; a refusal
    (do-not-contact, consent, calling hours, usage limit, provider) fails the node: its error edge."""
    from leadpilot.voice import outbound
    from leadpilot.voice.answer import Urls
    from leadpilot.voice.config import voice_config

    config = messaging_config()
    workspace = identity_store.get_workspace_item(job.workspace_id)
    timezone = str(workspace.timezone) if workspace is not None else "UTC"
    request = outbound.CallRequest(contact_id=job.contact_id, from_number_id=job.config.get("from_number_id"),
                                   purpose=job.render(job.config["purpose"]) if job.config.get("purpose") else None,
                                   consent=job.config.get("consent"), idempotency_key=f"{job.run_id}#{job.key}",
                                   flow_token=token, flow={"flow_id": job.flow_id, "run_id": job.run_id,
                                                           "node": job.node})
    try:
        outbound.place_call(job.settings, config, Urls(config.need("public_base_url"), voice_config()),
                                      job.workspace_id, timezone, request)
    except DomainError as exc:
        reason = (exc.details or {}).get("reason") or exc.code
        _failed(job, token, FAILED, f"ai_call at {job.node}: {reason}: {exc.message}")
        return
    marker = ActionMarkerItem(runs.run_pk(job.workspace_id, job.run_id), f"ACTION#{job.key}")
    marker.update(actions=[ActionMarkerItem.status.set("waiting")])
