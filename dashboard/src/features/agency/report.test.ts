import { describe, expect, it } from "vitest";
import { outcomeCounts, reportOf, reportRows, type TemplateReport } from "./report";

const none = { custom_fields: [], pipelines: [], sms_templates: [], sequences: [], flows: [] };
const report: TemplateReport = {
  template_id: "T",
  target_workspace_id: "W",
  status: "completed",
  job_id: null,
  copied: { ...none, pipelines: ["Sales"], custom_fields: ["plan", "tier"] },
  skipped: { ...none, sms_templates: [{ name: "Welcome", reason: "exists" }] },
  failed: { ...none, flows: [{ name: "Broken", reason: "node 3 names no stage" }] },
};

describe("reportRows", () => {
  it("lists refused things first with their reason, then skipped, then copied", () => {
    // Given a report with one of each outcome / When flattened
    const rows = reportRows(report);
    // Then the refused flow leads, the skipped text says why in words, and every copied thing is listed
    expect(rows.map((r) => [r.outcome, r.kind, r.name, r.reason])).toEqual([
      ["failed", "flows", "Broken", "node 3 names no stage"],
      ["skipped", "sms_templates", "Welcome", "already there"],
      ["copied", "custom_fields", "plan", ""],
      ["copied", "custom_fields", "tier", ""],
      ["copied", "pipelines", "Sales", ""],
    ]);
    expect(outcomeCounts(report)).toEqual({ copied: 3, skipped: 1, failed: 1 });
  });

  it("reads a finished job's result as a report and anything else as none", () => {
    expect(reportOf(report)).toBe(report);
    expect(reportOf({})).toBeNull();
    expect(reportOf(null)).toBeNull();
  });
});
