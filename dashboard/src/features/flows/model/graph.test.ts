import { describe, expect, it } from "vitest";
import { connect, docToGraph, freshId, graphToDoc, needsLayout } from "./graph";
import { handlesOf } from "./outcomes";
import { nodeSchema, nodeTypes } from "./schema";
import { flowJsonSchema } from "./testSchema";
import type { FlowDocument } from "./types";

const followUp: FlowDocument = {
  name: "Follow up",
  trigger: { event: "contact.tag_added" },
  on_opt_out: "exit",
  nodes: [
    { id: "start", type: "trigger", position: { x: 0, y: 0 } },
    { id: "text", type: "send_sms", body: "Hi {{contact.first_name|there}}", position: { x: 0, y: 150 } },
    { id: "await", type: "wait_for_reply", timeout: { days: 2 }, position: { x: 0, y: 300 } },
    { id: "done", type: "end", position: { x: 0, y: 450 } },
  ],
  edges: [
    { from: "start", to: "text" },
    { from: "text", to: "await" },
    { from: "await", to: "done", label: "reply" },
    { from: "await", to: "done", label: "timeout" },
  ],
};

describe("flow document ↔ canvas graph", () => {
  it("turns nodes into canvas nodes with their settings and edges into outcome handles", () => {
    // Given a saved follow-up flow / When it becomes a graph
    const { nodes, edges } = docToGraph(followUp);
    // Then settings stay with the node and each edge leaves through its outcome's handle
    expect(nodes[1]).toMatchObject({ id: "text", position: { x: 0, y: 150 }, data: { type: "send_sms" } });
    expect(nodes[1]!.data.config).toEqual({ body: "Hi {{contact.first_name|there}}" });
    expect(edges.map((e) => [e.id, e.sourceHandle, e.target])).toEqual([
      ["start:next", "next", "text"],
      ["text:next", "next", "await"],
      ["await:reply", "reply", "done"],
      ["await:timeout", "timeout", "done"],
    ]);
  });

  it("gives back the same document, unlabelled edges staying unlabelled", () => {
    // Given the graph of a document
    const { nodes, edges } = docToGraph(followUp);
    const meta = { name: followUp.name, trigger: followUp.trigger, on_opt_out: followUp.on_opt_out };
    // When it is turned back into a document / Then nothing was lost or added
    expect(graphToDoc(meta, nodes, edges)).toEqual(followUp);
  });

  it("rounds positions moved on the canvas", () => {
    const { nodes, edges } = docToGraph(followUp);
    nodes[2]!.position = { x: 10.6, y: 299.4 };
    const doc = graphToDoc({ name: "x", trigger: { event: "manual" } }, nodes, edges);
    expect(doc.nodes[2]!.position).toEqual({ x: 11, y: 299 });
  });

  it("keeps one edge per outcome: connecting an outcome again replaces its edge", () => {
    const { edges } = docToGraph(followUp);
    const next = connect(edges, "await", "reply", "text");
    expect(next.filter((e) => e.source === "await").map((e) => `${e.sourceHandle}->${e.target}`)).toEqual([
      "timeout->done",
      "reply->text",
    ]);
  });

  it("says a flow without positions needs a layout and makes fresh ids", () => {
    expect(needsLayout({ ...followUp, nodes: followUp.nodes.map((n) => ({ id: n.id, type: n.type })) })).toBe(true);
    expect(needsLayout(followUp)).toBe(false);
    expect(freshId("send_sms", new Set(["send_sms_1"]))).toBe("send_sms_2");
  });
});

describe("node types and outcomes from the flow schema", () => {
  const schema = flowJsonSchema();

  it("lists every node type with its settings schema", () => {
    const kinds = nodeTypes(schema);
    expect(kinds).toContain("wait_for_reply");
    expect(kinds).toContain("wait_for_booking");
    expect(kinds).toContain("ai_call");
    expect(kinds).toHaveLength(23);
    expect(nodeSchema(schema, "send_sms").required).toEqual(["body"]);
    expect(nodeSchema(schema, "add_tag").required).toEqual(["tag"]);
  });

  it("names the outcomes each node has", () => {
    expect(handlesOf("wait_for_reply", {})).toEqual(["reply", "timeout", "error"]);
    expect(handlesOf("ai_call", { outcomes: ["interested", "call_back"] })).toEqual([
      "answered",
      "voicemail",
      "no_answer",
      "interested",
      "call_back",
      "timeout",
      "error",
    ]);
    expect(handlesOf("wait_for_booking", {})).toEqual(["booked", "timeout", "error"]);
    expect(handlesOf("send_booking_link", {})).toEqual(["next", "error"]);
    expect(handlesOf("branch", { cases: [{ label: "hot" }, { label: "warm" }] })).toEqual(["hot", "warm", "else"]);
    expect(handlesOf("ai_condition", {})).toEqual(["yes", "no", "error"]);
    expect(handlesOf("condition", {})).toEqual(["true", "false"]);
    expect(handlesOf("end", {})).toEqual([]);
    expect(handlesOf("set_variable", {})).toEqual(["next"]);
  });
});
