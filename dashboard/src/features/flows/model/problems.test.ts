import { describe, expect, it } from "vitest";
import { byField, placeProblems } from "./problems";
import type { FlowDocument } from "./types";

const doc: FlowDocument = {
  name: "F",
  trigger: { event: "manual" },
  nodes: [{ id: "start", type: "trigger" }, { id: "text", type: "send_sms" }, { id: "", type: "end" } as never],
  edges: [
    { from: "start", to: "text" },
    { from: "text", to: "ghost" },
  ],
};

describe("placing the API's validation errors", () => {
  it("puts node-named errors, nodes/N paths and edges/N paths on the nodes they belong to", () => {
    // Given the errors of a 422 as the API lists them
    const details = {
      errors: [
        { node: "text", field: "body", message: "is required" },
        { field: "nodes/2/id", message: "does not match" },
        { field: "edges/1/to", message: "unknown node 'ghost' (dangling edge)" },
        { field: "trigger/event", message: "unknown trigger" },
      ],
    };
    // When they are placed
    const placed = placeProblems(details, doc);
    // Then each shows where it belongs
    expect(placed.nodes.text).toEqual([
      { field: "body", message: "is required" },
      { field: "edges", message: "unknown node 'ghost' (dangling edge)" },
    ]);
    expect(placed.nodes[""]).toEqual([{ field: "id", message: "does not match" }]);
    expect(placed.edges[1]).toEqual([{ field: "to", message: "unknown node 'ghost' (dangling edge)" }]);
    expect(placed.flow).toEqual([{ field: "trigger/event", message: "unknown trigger" }]);
  });

  it("keeps paths it cannot place on the flow and ignores details without errors", () => {
    expect(placeProblems({ errors: [{ field: "nodes/9/body", message: "x" }] }, doc).flow).toHaveLength(1);
    expect(placeProblems({ field: "flow_id" }, doc)).toEqual({ nodes: {}, edges: {}, flow: [] });
  });

  it("keys a node's problems by field for its form, first message wins", () => {
    expect(
      byField([
        { field: "timeout/days", message: "too big" },
        { field: "timeout/days", message: "later" },
      ]),
    ).toEqual({ "timeout/days": "too big" });
  });
});
