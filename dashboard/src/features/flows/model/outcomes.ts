// The labelled ways out of each node type. The flow JSON Schema does not carry them: they mirror
// leadpilot.automation.flows.model.edge_labels (required labels, plus an optional "error" on task nodes).
import { ERROR, NEXT, type NodeConfig } from "./types";

const CALLBACK_ANSWER: Record<string, string> = {
  wait_for_reply: "reply",
  wait_for_event: "event",
  wait_for_booking: "booked",
  human_handoff: "done",
};
const TASK_TYPES = new Set([
  "webhook",
  "update_contact",
  "add_tag",
  "remove_tag",
  "move_stage",
  "send_email",
  "send_sms",
  "create_task",
  "ai_generate_message",
  "send_booking_link",
  "wait_for_reply",
  "wait_for_event",
  "wait_for_booking",
  "human_handoff",
  "ai_condition",
  "delay",
  "ai_call",
]);
// An AI call's ways out: how the call went, then (optional) each outcome label its analysis may give.
const AI_CALL_LABELS = ["answered", "voicemail", "no_answer"];

export interface Outcomes {
  required: string[];
  optional: string[];
}

/** The outgoing edge labels a node must have (required) and may have (optional). */
export function outcomesOf(type: string, config: NodeConfig): Outcomes {
  const optional = TASK_TYPES.has(type) ? [ERROR] : [];
  if (type === "end") return { required: [], optional: [] };
  if (type === "condition") return { required: ["true", "false"], optional };
  if (type === "ai_condition") {
    const labels = Array.isArray(config.labels) && config.labels.length ? config.labels.map(String) : ["yes", "no"];
    return { required: labels, optional };
  }
  if (type === "branch") {
    const cases = Array.isArray(config.cases) ? config.cases : [];
    const labels = cases
      .map((c) => (c && typeof c === "object" ? (c as { label?: unknown }).label : undefined))
      .filter((label): label is string => typeof label === "string" && label.length > 0);
    return { required: [...new Set(labels), "else"], optional };
  }
  if (type === "loop") return { required: ["body", "done"], optional };
  if (type === "ai_call") {
    const labels = Array.isArray(config.outcomes) ? config.outcomes.map(String) : [];
    return { required: AI_CALL_LABELS, optional: [...new Set(labels), "timeout", ...optional] };
  }
  const answer = CALLBACK_ANSWER[type];
  if (answer) return { required: [answer, "timeout"], optional };
  return { required: [NEXT], optional };
}

/** Every handle a node shows, required first. */
export function handlesOf(type: string, config: NodeConfig): string[] {
  const { required, optional } = outcomesOf(type, config);
  return [...required, ...optional];
}

/** How an outcome reads on the canvas ("next" needs no words; a reply wait's timeout is "no reply"). */
export function outcomeLabel(type: string, label: string): string {
  if (label === NEXT) return "";
  if (label === "timeout" && type === "wait_for_reply") return "no reply";
  if (label === "timeout" && type === "wait_for_booking") return "not booked";
  if (label === "no_answer" && type === "ai_call") return "no answer";
  return label.replace(/_/g, " ");
}
