// The API's validation errors (422 details.errors) placed where they belong: on a node (by its id, or by its
// index for "nodes/3/…" paths), on an edge ("edges/2/to"), or on the flow as a whole.
import type { FlowDocument } from "./types";

export interface Problem {
  field: string;
  message: string;
}
export interface PlacedProblems {
  nodes: Record<string, Problem[]>;
  edges: Record<number, Problem[]>;
  flow: Problem[];
}

export const NO_PROBLEMS: PlacedProblems = { nodes: {}, edges: {}, flow: [] };

export function placeProblems(details: unknown, doc: FlowDocument): PlacedProblems {
  const listed = (details as { errors?: unknown } | null)?.errors;
  const placed: PlacedProblems = { nodes: {}, edges: {}, flow: [] };
  if (!Array.isArray(listed)) return placed;
  for (const raw of listed as { node?: unknown; field?: unknown; message?: unknown }[]) {
    const field = typeof raw?.field === "string" ? raw.field : "(flow)";
    const message = String(raw?.message ?? "");
    if (typeof raw?.node === "string") {
      (placed.nodes[raw.node] ??= []).push({ field, message });
      continue;
    }
    const [head, index, ...rest] = field.split("/");
    const position = Number(index);
    if (head === "nodes" && Number.isInteger(position) && doc.nodes[position]) {
      (placed.nodes[doc.nodes[position].id] ??= []).push({ field: rest.join("/") || "(node)", message });
    } else if (head === "edges" && Number.isInteger(position) && doc.edges[position]) {
      (placed.edges[position] ??= []).push({ field: rest.join("/") || "(edge)", message });
      const from = doc.edges[position].from;
      if (doc.nodes.some((n) => n.id === from)) (placed.nodes[from] ??= []).push({ field: "edges", message });
    } else {
      placed.flow.push({ field, message });
    }
  }
  return placed;
}

/** A node's problems keyed by field path, for the settings form ("body", "timeout/days", "(node)", "edges"). */
export function byField(problems: readonly Problem[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems ?? []) out[p.field] ??= p.message;
  return out;
}
