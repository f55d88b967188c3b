// Settings a node gets when dropped on the canvas: structural ones that have an obvious start (a timeout, a
// case, a cap). Texts stay empty on purpose: the API's validation then says what still needs writing.
import type { NodeConfig } from "./types";

const SAMPLE_PREDICATE = { var: "contact.tags", op: "has_tag", value: "vip" };

export const DEFAULT_SETTINGS: Record<string, NodeConfig> = {
  delay: { days: 1 },
  wait_for_reply: { timeout: { days: 2 } },
  wait_for_event: { timeout: { days: 2 } },
  wait_for_booking: { timeout: { days: 3 } },
  human_handoff: { assignee: "owner", timeout: { days: 1 } },
  condition: { if: SAMPLE_PREDICATE },
  branch: { cases: [{ label: "vip", if: SAMPLE_PREDICATE }] },
  loop: { max_iterations: 3 },
  webhook: { method: "POST" },
};

export function defaultSettings(type: string): NodeConfig {
  return structuredClone(DEFAULT_SETTINGS[type] ?? {});
}
