// The flow document as the builder edits it. Its full contract is the JSON Schema served at GET /flows/schema
// (shared/leadpilot/automation/flows/schemas/flow.json); these types name only what the builder reads.
export type NodeConfig = Record<string, unknown>;

export interface FlowNodeDoc {
  id: string;
  type: string;
  name?: string;
  position?: { x: number; y: number };
  [setting: string]: unknown;
}

export interface FlowEdgeDoc {
  from: string;
  to: string;
  label?: string;
}

export interface FlowDocument {
  name: string;
  description?: string;
  trigger: { event: string; [key: string]: unknown };
  nodes: FlowNodeDoc[];
  edges: FlowEdgeDoc[];
  on_opt_out?: "exit" | "continue";
}

/** A JSON Schema (the subset the builder reads). */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema | boolean>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
}

export const NEXT = "next";
export const ERROR = "error";
