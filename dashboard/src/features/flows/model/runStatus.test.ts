import { describe, expect, it } from "vitest";
import { nodeStatuses } from "./runStatus";

const ids = ["start", "text", "await", "branch", "done"];

describe("node statuses of a run", () => {
  it("colours done, waiting and not-reached nodes of a run waiting for a reply", () => {
    // Given a run that sent its text and waits at the reply node
    const steps = [
      { type: "action", node: "text", status: "succeeded" },
      { type: "action", node: "await", status: "waiting" },
    ];
    // When its nodes are coloured
    const status = nodeStatuses(ids, "start", steps, { status: "running", current_node: "await" });
    // Then
    expect(Object.fromEntries(status)).toEqual({
      start: "done",
      text: "done",
      await: "waiting",
      branch: "not_reached",
      done: "not_reached",
    });
  });

  it("marks failed actions, skipped steps and the node a failed run stopped at", () => {
    const steps = [
      { type: "action", node: "text", status: "failed" },
      { type: "control", node: "await", step: "skip" },
    ];
    const status = nodeStatuses(ids, "start", steps, { status: "failed", current_node: "branch" });
    expect(status.get("text")).toBe("failed");
    expect(status.get("await")).toBe("skipped");
    expect(status.get("branch")).toBe("failed");
  });

  it("counts native states (a delay entered and not left) as waiting, exited as done", () => {
    const steps = [
      { type: "native", node: "await", status: "exited" },
      { type: "native", node: "branch", status: "entered" },
    ];
    const status = nodeStatuses(ids, "start", steps, { status: "succeeded", current_node: null });
    expect(status.get("await")).toBe("done");
    expect(status.get("branch")).toBe("waiting");
  });
});
