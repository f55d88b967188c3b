import { describe, expect, it } from "vitest";
import type { PlatformSettings, PlatformWorkspace, Usage } from "./api";
import {
  counted,
  defaultPlansChanges,
  defaultPlansForm,
  lastMonth,
  matchesWorkspace,
  planChanges,
  planForm,
  statusTone,
  yesterday,
} from "./model";

const workspace = {
  id: "01JABCDEF",
  name: "Acme Dental",
  owners: [{ user_id: "u1", email: "ana@acme.test", name: "Ana Ruiz" }],
} as PlatformWorkspace;

describe("matchesWorkspace", () => {
  it("finds a workspace by name, id or an owner, ignoring case and spaces", () => {
    expect(matchesWorkspace(workspace, " acme ")).toBe(true);
    expect(matchesWorkspace(workspace, "01jab")).toBe(true);
    expect(matchesWorkspace(workspace, "ANA@")).toBe(true);
    expect(matchesWorkspace(workspace, "ruiz")).toBe(true);
    expect(matchesWorkspace(workspace, "globex")).toBe(false);
    expect(matchesWorkspace(workspace, "")).toBe(true);
  });
});

describe("statusTone", () => {
  it("warns for suspended and alarms for deleting", () => {
    expect(statusTone("active")).toBe("success");
    expect(statusTone("suspended")).toBe("warning");
    expect(statusTone("deleting")).toBe("danger");
  });
});

describe("planChanges", () => {
  const usage = {
    plan: "starter",
    periods: { day: "2026-12-06", month: "2026-12" },
    counters: {
      emails: {
        day: { used: 0, limit: 100, remaining: 100 },
        month: { used: 0, limit: 1500, remaining: 1500 },
        addon: 500,
      },
    },
  } as Usage;

  it("sends only what changed; empty means unlimited and the month leaves out add-ons", () => {
    // Given the form of a starter workspace with a 500 add-on (month limit 1,500 = 1,000 + 500)
    const saved = planForm(usage);
    expect(saved.kinds.emails).toEqual({ day: "100", month: "1000", addon: "500" });

    // When the plan changes, the day limit is cleared and the add-on raised
    const edited = { plan: "growth", kinds: { emails: { day: "", month: "1000", addon: "800" } } };

    // Then the body holds exactly those changes
    expect(planChanges(saved, edited)).toEqual({
      body: { plan: "growth", limits: { emails: { day: null } }, addons: { emails: 800 } },
      errors: {},
    });
  });

  it("names the fields typed wrong as the API would", () => {
    const saved = planForm(usage);
    const edited = { plan: "starter", kinds: { emails: { day: "1.5", month: "-3", addon: "x" } } };
    expect(planChanges(saved, edited).errors).toEqual({
      "limits/emails/day": "a whole number, or empty for unlimited",
      "limits/emails/month": "a whole number, or empty for unlimited",
      "addons/emails": "a whole number",
    });
  });
});

describe("defaultPlansChanges", () => {
  const settings = {
    plans: {
      starter: { emails: { day: 50, month: 20000 }, sms_segments: { day: 500, month: 2000 } },
      scale: { emails: { day: null, month: 1000000 } },
    },
    plan_overrides: { starter: { emails: { day: 50 } } },
  } as unknown as PlatformSettings;

  it("keeps the platform's earlier changes and adds the new ones; empty means unlimited", () => {
    // Given the default plans with starter's daily emails already changed to 50
    const form = defaultPlansForm(settings);
    expect(form["scale/emails/day"]).toBe("");
    // When starter's monthly texts are raised and scale's daily emails capped, then uncapped again
    const edited = { ...form, "starter/sms_segments/month": " 3000 ", "scale/emails/month": "" };
    // Then the body holds the earlier change and both new ones
    expect(defaultPlansChanges(settings, edited)).toEqual({
      body: {
        plans: {
          starter: { emails: { day: 50 }, sms_segments: { month: 3000 } },
          scale: { emails: { month: null } },
        },
      },
      errors: {},
    });
  });

  it("names the fields typed wrong as the API would", () => {
    const edited = { ...defaultPlansForm(settings), "starter/emails/day": "1.5" };
    expect(defaultPlansChanges(settings, edited).errors).toEqual({
      "plans/starter/emails/day": "a whole number, or empty for unlimited",
    });
  });
});

describe("lastMonth and yesterday", () => {
  it("step back across a year's start", () => {
    const newYear = new Date("2027-01-01T03:00:00Z");
    expect(lastMonth(newYear)).toBe("2026-12");
    expect(yesterday(newYear)).toBe("2026-12-31");
  });
});

describe("counted", () => {
  it("names one thing in the singular and the rest in the plural", () => {
    expect(counted(1, "contact")).toBe("1 contact");
    expect(counted(0, "flow")).toBe("0 flows");
    expect(counted(1200, "active run")).toBe("1,200 active runs");
  });
});
