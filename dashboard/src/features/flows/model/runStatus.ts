// What happened at each node of a run, from its step log: done, waiting, failed, skipped or not reached.
import type { StepStatus } from "../canvas/decorations";

export interface StepLike {
  type: string;
  node?: string | null;
  status?: string;
  step?: string;
}
export interface RunLike {
  status: string;
  current_node: string | null;
}

const WAITING = new Set(["pending", "retrying", "waiting", "entered", "started"]);

/** The status of every node id, the latest step deciding (the step log is in time order). */
export function nodeStatuses(
  nodeIds: readonly string[],
  triggerId: string | undefined,
  steps: readonly StepLike[],
  run: RunLike,
): Map<string, StepStatus> {
  const status = new Map<string, StepStatus>();
  if (triggerId) status.set(triggerId, "done");
  for (const step of steps) {
    if (!step.node || !nodeIds.includes(step.node)) continue;
    if (step.type === "control") {
      if (step.step === "skip") status.set(step.node, "skipped");
      continue;
    }
    if (step.status === "failed") status.set(step.node, "failed");
    else if (step.status === "skipped" || step.status === "stopped") status.set(step.node, "skipped");
    else if (WAITING.has(step.status ?? "")) status.set(step.node, "waiting");
    else status.set(step.node, "done");
  }
  const here = run.current_node;
  if (here && nodeIds.includes(here)) {
    if (run.status === "running" || run.status === "paused") {
      if (status.get(here) !== "failed") status.set(here, "waiting");
    } else if (run.status === "failed" || run.status === "timed_out") status.set(here, "failed");
  }
  for (const id of nodeIds) if (!status.has(id)) status.set(id, "not_reached");
  return status;
}
