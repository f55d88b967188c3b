// A document as the canvas first shows it: laid out when it comes without positions (a generated flow).
import { docToGraph, needsLayout } from "./graph";
import { layeredLayout } from "./layout";
import type { FlowDocument } from "./types";

/** The document's graph, laid out when it comes without positions (a generated flow). */
export function initialGraph(doc: FlowDocument) {
  const graph = docToGraph(doc);
  if (needsLayout(doc)) {
    const positions = layeredLayout(
      graph.nodes.map((n) => n.id),
      graph.edges,
    );
    for (const node of graph.nodes) node.position = positions.get(node.id) ?? node.position;
  }
  for (const node of graph.nodes) {
    node.ariaLabel = `${node.data.type.replace(/_/g, " ")} step ${node.id}`;
    if (node.data.type === "trigger") node.deletable = false;
  }
  return graph;
}
