import { afterEach, describe, expect, it, vi } from "vitest";

// The API client resolves same-origin paths as a browser does; Node's Request wants absolute URLs, and the client
// takes Request when it is created (on import), so the page's origin is added before anything is imported.
vi.hoisted(() => {
  const Native = globalThis.Request;
  globalThis.Request = class extends Native {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === "string" && input.startsWith("/") ? `${window.location.origin}${input}` : input, init);
    }
  };
});
import { fireEvent, render, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApplyTemplate } from "./ApplyTemplate";
import type { TemplateReport } from "./report";

const none = { custom_fields: [], pipelines: [], sms_templates: [], sequences: [], flows: [] };
const template = {
  id: "01TEMPLATE",
  name: "Big setup",
  source_workspace_id: "01AGENCY",
  counts: { custom_fields: 60, pipelines: 0, sms_templates: 0, sequences: 0, flows: 0 },
  created_at: "2026-12-01T00:00:00Z",
};
const subAccounts = [{ id: "01SUB", name: "Bright Dental", timezone: "UTC", created_at: "2026-12-01T00:00:00Z" }];
const queued: TemplateReport = {
  template_id: template.id,
  target_workspace_id: "01SUB",
  status: "queued",
  job_id: "01JOB",
  copied: none,
  skipped: none,
  failed: none,
};
const job = (status: string, processed: number, result: unknown) => ({
  id: "01JOB",
  type: "agency_template_apply",
  status,
  total: 60,
  processed,
  succeeded: processed,
  skipped: 0,
  failed: 0,
  progress_percent: Math.round((processed / 60) * 100),
  params: {},
  result,
  created_by: "01USER",
  created_at: "2026-12-01T00:00:00Z",
  finished_at: status === "completed" ? "2026-12-01T00:00:05Z" : null,
});

/** The API as the network sees it: the apply is queued, the job runs once and then completes with the report. */
function stubApi() {
  const finished = { ...queued, status: "completed", copied: { ...none, custom_fields: ["plan", "tier"] } };
  const answers = [job("running", 30, {}), job("completed", 60, finished)];
  vi.stubGlobal(
    "fetch",
    vi.fn((request: Request) => {
      const json = (body: unknown, status = 200) =>
        Promise.resolve(
          new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }),
        );
      if (request.method === "POST" && request.url.endsWith(`/agency/templates/${template.id}/apply`))
        return json(queued, 202);
      if (request.url.endsWith("/jobs/01JOB")) return json(answers.length > 1 ? answers.shift() : answers[0]);
      return json({ error: { code: "not_found", message: "no such route", details: {} } }, 404);
    }),
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("ApplyTemplate", () => {
  it("follows the job of a large template and shows its report when it finishes", async () => {
    // Given a template too large to copy within the request
    stubApi();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <ApplyTemplate template={template} subAccounts={subAccounts} />
      </QueryClientProvider>,
    );
    // When it is applied to a sub-account
    fireEvent.click(screen.getByRole("button", { name: "Apply template" }));
    // Then the job's progress shows while it runs
    expect(await screen.findByText(/30 of 60 things/)).toBeTruthy();
    const progress = screen.getByRole("progressbar", { name: "Template copy progress" });
    expect(progress.getAttribute("aria-valuenow")).toBe("50");
    // And its result, the report, replaces it when it finishes
    expect(await screen.findByText("2 copied · 0 skipped · 0 failed", {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByRole("rowheader", { name: "tier" })).toBeTruthy();
    expect(screen.queryByRole("progressbar")).toBeNull();
  });
});
