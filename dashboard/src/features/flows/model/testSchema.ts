// Tests read the flow JSON Schema the API serves (GET /flows/schema) straight from its source file.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JsonSchema } from "./types";

export function flowJsonSchema(): JsonSchema {
  // Vitest runs from dashboard/; the schema lives in the domain library beside it.
  const path = resolve(process.cwd(), "../shared/leadpilot/automation/flows/schemas/flow.json");
  return JSON.parse(readFileSync(path, "utf8")) as JsonSchema;
}
