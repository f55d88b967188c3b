// Reading the flow document's JSON Schema: which node types exist and each type's settings schema.
import type { JsonSchema } from "./types";

/** Follow a local "$ref" (#/$defs/x) against the root schema, repeatedly. */
export function resolve(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.replace(/^#\/\$defs\//, "");
    const target = root.$defs?.[name];
    if (!target) break;
    current = target;
  }
  return current;
}

/** The node types in the order the schema lists them. */
export function nodeTypes(root: JsonSchema): string[] {
  const node = root.$defs?.node;
  const kinds = (node?.properties?.type as JsonSchema | undefined)?.enum;
  return Array.isArray(kinds) ? kinds.map(String) : [];
}

/** The settings schema of one node type (the `then` of its `if type == …` rule), or an empty object schema. */
export function nodeSchema(root: JsonSchema, type: string): JsonSchema {
  for (const rule of root.$defs?.node?.allOf ?? []) {
    const condition = (rule.if?.properties?.type as JsonSchema | undefined)?.const;
    if (condition === type && rule.then) return resolve(root, rule.then);
  }
  return { type: "object", properties: {} };
}

/** Settings a node of this type must have, so that a node just dropped on the canvas is (nearly) valid. */
export function requiredSettings(root: JsonSchema, type: string): string[] {
  return nodeSchema(root, type).required ?? [];
}

/** "wait_for_reply" → "Wait for reply". */
export function humanize(name: string): string {
  const text = name.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
