// A template's apply report, flattened into rows a table can show: each thing, its kind and what happened to it.
import type { Schemas } from "@/lib/api/client";

export type TemplateReport = Schemas["AgencyTemplateReport"];
export type Kind = keyof TemplateReport["copied"];
export type Outcome = "copied" | "skipped" | "failed";

export const KINDS: Kind[] = ["custom_fields", "pipelines", "sms_templates", "sequences", "flows"];
export const KIND_LABELS: Record<Kind, { one: string; many: string }> = {
  custom_fields: { one: "custom field", many: "custom fields" },
  pipelines: { one: "pipeline", many: "pipelines" },
  sms_templates: { one: "SMS template", many: "SMS templates" },
  sequences: { one: "sequence", many: "sequences" },
  flows: { one: "flow", many: "flows" },
};

const REASONS: Record<string, string> = { exists: "already there" };

export interface ReportRow {
  kind: Kind;
  name: string;
  outcome: Outcome;
  reason: string;
}

/** Every thing in the report, refused ones first (they need attention), then skipped, then copied. */
export function reportRows(report: TemplateReport): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const kind of KINDS) {
    for (const entry of report.failed[kind])
      rows.push({ kind, name: entry.name, outcome: "failed", reason: entry.reason });
  }
  for (const kind of KINDS) {
    for (const entry of report.skipped[kind])
      rows.push({ kind, name: entry.name, outcome: "skipped", reason: REASONS[entry.reason] ?? entry.reason });
  }
  for (const kind of KINDS) {
    for (const name of report.copied[kind]) rows.push({ kind, name, outcome: "copied", reason: "" });
  }
  return rows;
}

/** How many things had each outcome. */
export function outcomeCounts(report: TemplateReport): Record<Outcome, number> {
  const sum = (lists: Record<Kind, unknown[]>) => KINDS.reduce((total, kind) => total + lists[kind].length, 0);
  return { copied: sum(report.copied), skipped: sum(report.skipped), failed: sum(report.failed) };
}

/** A job's result is the report once the job has finished (the jobs API types results loosely). */
export function reportOf(result: unknown): TemplateReport | null {
  const candidate = result as Partial<TemplateReport> | null;
  return candidate && candidate.copied && candidate.skipped && candidate.failed ? (candidate as TemplateReport) : null;
}
