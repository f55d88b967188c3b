// Flow document ↔ canvas graph. A canvas node carries the document node's type and settings; a canvas edge
// leaves its source through the handle named after its label ("next" when the document has none).
import type { Edge, Node } from "@xyflow/react";
import { NEXT, type FlowDocument, type FlowEdgeDoc, type FlowNodeDoc, type NodeConfig } from "./types";

export interface FlowNodeData extends Record<string, unknown> {
  type: string;
  config: NodeConfig;
}
export type CanvasNode = Node<FlowNodeData, "flow">;
export type CanvasEdge = Edge<{ label: string }, "outcome">;

const OWN_KEYS = new Set(["id", "type", "position"]);

export function edgeId(from: string, label: string): string {
  return `${from}:${label}`;
}

/** The document's nodes and edges as canvas nodes and edges (nodes without a position sit at 0,0). */
export function docToGraph(doc: FlowDocument): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const nodes = doc.nodes.map((node): CanvasNode => {
    const config: NodeConfig = {};
    for (const [key, value] of Object.entries(node)) if (!OWN_KEYS.has(key)) config[key] = value;
    const position = node.position && isPoint(node.position) ? node.position : { x: 0, y: 0 };
    return { id: node.id, type: "flow", position, data: { type: node.type, config } };
  });
  const edges = doc.edges.map((edge) => toCanvasEdge(edge.from, edge.label ?? NEXT, edge.to));
  return { nodes, edges };
}

export function toCanvasEdge(from: string, label: string, to: string): CanvasEdge {
  return { id: edgeId(from, label), source: from, sourceHandle: label, target: to, type: "outcome", data: { label } };
}

/** The canvas back as a document: settings flattened onto each node, positions rounded, "next" labels left out. */
export function graphToDoc(meta: Omit<FlowDocument, "nodes" | "edges">, nodes: CanvasNode[], edges: CanvasEdge[]) {
  const docNodes = nodes.map((node): FlowNodeDoc => ({
    id: node.id,
    type: node.data.type,
    ...node.data.config,
    position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
  }));
  const docEdges = edges.map((edge): FlowEdgeDoc => {
    const label = edge.data?.label ?? edge.sourceHandle ?? NEXT;
    return label === NEXT ? { from: edge.source, to: edge.target } : { from: edge.source, to: edge.target, label };
  });
  return { ...meta, nodes: docNodes, edges: docEdges } satisfies FlowDocument;
}

/** True when no node of the document says where it sits (a generated flow): the canvas lays it out. */
export function needsLayout(doc: FlowDocument): boolean {
  return !doc.nodes.some((node) => node.position && isPoint(node.position));
}

function isPoint(value: unknown): value is { x: number; y: number } {
  const point = value as { x?: unknown; y?: unknown };
  return typeof point?.x === "number" && typeof point?.y === "number";
}

/** A node id not used yet, like send_sms_2 (ids must start with a letter; at most 40 characters). */
export function freshId(type: string, taken: ReadonlySet<string>): string {
  const base = type.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 34) || "node";
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!taken.has(id)) return id;
  }
}

/** Connect source's outcome to target: one edge per outcome, so an earlier edge for it is replaced. */
export function connect(edges: CanvasEdge[], source: string, label: string, target: string): CanvasEdge[] {
  const id = edgeId(source, label);
  return [...edges.filter((edge) => edge.id !== id), toCanvasEdge(source, label, target)];
}
