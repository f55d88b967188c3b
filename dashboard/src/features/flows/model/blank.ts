// The smallest valid flow: started by hand (or the API), ending at once. A new flow starts from it.
import type { FlowDocument } from "./types";

export function blankFlow(name: string): FlowDocument {
  return {
    name,
    trigger: { event: "manual" },
    nodes: [
      { id: "start", type: "trigger", position: { x: 0, y: 0 } },
      { id: "done", type: "end", position: { x: 0, y: 150 } },
    ],
    edges: [{ from: "start", to: "done" }],
  };
}
