"""A flow's AI call node waits on its call: the call's end (or its analysis) answers the node's task token with
the edge to take — answered, voicemail, no_answer, or the analysed outcome label."""
from __future__ import annotations

from leadpilot.automation.runs import machines
from leadpilot.observability import logger
from leadpilot.settings import Settings
from leadpilot.voice.models import CallItem


def resolve(settings: Settings, call: CallItem, outcome: str) -> None:
    """Answer the waiting node once (the token is removed first: a repeated callback finds none)."""
    if not call.flow_token:
        return
    token = call.flow_token
    try:
        call.update(actions=[CallItem.flow_token.remove()], condition=CallItem.flow_token == token)
    except Exception:
        return  # answered by a concurrent delivery
    try:
        machines.succeed(settings.region, token, {"outcome": outcome, "call_id": call.call_id,
                                                  "status": call.status})
    except Exception:
        logger.exception("the AI call node was not answered; its timeout will move the run on",
                         extra={"call_id": call.call_id})
