"""AI-assisted creation: a sentence becomes a validated, compilable draft flow, saved for the user to edit.

With an OpenAI key the model answers in the strict schema derived from flow.json; an invalid draft is sent
back once with its validation errors, then refused (422 with the errors). Without a key the offline builder
handles the common patterns and the response says `"generator": "offline"`.
"""
from __future__ import annotations

import json
from typing import Any

from leadpilot.automation.ai import offline_builder
from leadpilot.automation.ai import provider as ai
from leadpilot.automation.ai.strict_schema import from_strict, strict_flow_schema
from leadpilot.automation.flows.compiler import compile_flow, states_per_node
from leadpilot.automation.flows.validate import validate_flow
from leadpilot.automation.runs import drafts
from leadpilot.automation.runs.config import RuntimeConfig
from leadpilot.errors import ValidationFailed
from leadpilot.identity.entities import Identity
from leadpilot.ids import new_id
from leadpilot.observability import metrics
from leadpilot.settings import get_settings

_PLACEHOLDER_QUEUE = "https://sqs.invalid/flow-generation-check"
_SYSTEM = """You design automation flows for LeadPilot, a CRM for small businesses. Answer with one flow.
Rules:
- Exactly one node of type "trigger" (id "start"); trigger.event is a domain event such as contact.created,
  contact.tag_added (filter on trigger.data.tag), pipeline.stage_changed, task.completed, sms.received,
  appointment.booked (data.starts_at).
- Edges join node ids. Outgoing edge labels: condition true/false; ai_condition its labels (default yes/no);
  branch one per case label plus "else"; loop "body" and "done"; wait_for_reply "reply"/"timeout";
  wait_for_event "event"/"timeout"; wait_for_booking "booked"/"timeout"; human_handoff "done"/"timeout"; end none;
  every other node one unlabelled edge.
  Any task node may also have an "error" edge.
- A cycle must pass through a loop node, which needs max_iterations (at most 100).
- Every node is reachable from the trigger; use end nodes to finish.
- Text may use templates such as {{contact.first_name|there}}, {{vars.name}}, {{trigger.data.tag}}.
- Durations are objects such as {"days": 3}."""


def _draft_from_model(config: ai.AiConfig, prompt: str, name: str | None,
                      tokens: list[int]) -> tuple[dict[str, Any], int]:
    """The model's draft, validated; (document, attempts). ValidationFailed after a second invalid draft.
    Each call's tokens are appended to `tokens`, also when the drafts are refused (they were used)."""
    ask = prompt + (f"\nName the flow: {name}" if name else "")
    messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": ask}]
    problems: list[dict[str, str]] = []
    for attempt in (1, 2):
        answer, used = ai.structured_answer(config, "leadpilot_flow", strict_flow_schema(), messages)
        tokens.append(used)
        document = from_strict(answer)
        if name:
            document["name"] = name
        try:
            validate_flow(document)
            return document, attempt
        except ValidationFailed as exc:
            problems = list(exc.details.get("errors") or [])
        messages += [{"role": "assistant", "content": json.dumps(answer)},
                     {"role": "user", "content": "That flow is invalid. Fix these errors and answer the whole flow "
                                                 "again:\n" + json.dumps(problems)}]
    raise ValidationFailed("the generated flow is invalid after a retry: " + _first(problems),
                           {"errors": problems, "generator": ai.OPENAI})


def _first(problems: list[dict[str, str]]) -> str:
    if not problems:
        return "unknown error"
    p = problems[0]
    return (f"node {p['node']}: " if "node" in p else "") + f"{p['field']}: {p['message']}"


def generate_flow(identity: Identity, config: RuntimeConfig, ai_settings: ai.AiConfig,
                  body: dict[str, Any]) -> dict[str, Any]:
    """Draft a flow from a sentence, check that it validates and compiles, save it as a draft."""
    prompt, name = str(body["prompt"]).strip(), body.get("name")
    if not prompt:
        raise ValidationFailed.field("prompt", "must not be blank")
    if ai_settings.online:
        tokens: list[int] = []
        try:
            document, attempts = _draft_from_model(ai_settings, prompt, name, tokens)
        finally:  # metered whether the draft is kept or refused
            ai.meter(get_settings(), ai_settings, identity.workspace_id, sum(tokens), f"flow_generation:{new_id()}",
                     {"type": "ai_feature", "id": "flow_generation"})
        pattern = None
    else:
        pattern, document = offline_builder.build(prompt, name)
        attempts = 1
    flow = validate_flow(document)
    asl = compile_flow(flow, action_queue_url=config.actions_queue_url or _PLACEHOLDER_QUEUE,
                       time_scale=config.time_scale, flow_id="draft", version=0)
    saved = drafts.create_flow(identity, document)
    metrics.add_metric(name="FlowGenerated", unit="Count", value=1)
    result: dict[str, Any] = {"flow": saved.to_dict(), "generator": ai_settings.generator, "attempts": attempts,
                              "compiled": states_per_node(flow, asl)}
    if ai_settings.online:
        result["model"] = ai_settings.model
    else:
        result["pattern"] = pattern
        result["notice"] = ("Generated offline (no OpenAI key is configured): the flow follows the "
                            f"'{pattern}' pattern with the numbers read from your sentence; review it before "
                            "publishing.")
    return result
