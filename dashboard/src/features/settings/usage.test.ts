import { describe, expect, it } from "vitest";
import { describePeriod, limitsToApi, limitsToForm, type Usage } from "./usage";

const usage: Usage = {
  plan: "starter",
  periods: { day: "2030-01-02", month: "2030-01" },
  counters: {
    emails: {
      day: { used: 10, limit: 2000, remaining: 1990 },
      month: { used: 1700, limit: 20500, remaining: 18800 },
      addon: 500,
    },
    ai_tokens: {
      day: { used: 5, limit: null, remaining: null },
      month: { used: 5, limit: 2_000_000, remaining: 1_999_995 },
      addon: 0,
    },
  },
};

describe("usage bars", () => {
  it("says how full a counter is and warns near the limit", () => {
    expect(describePeriod({ used: 1200, limit: 2000, remaining: 800 })).toEqual({
      text: "1,200 of 2,000 (60%)",
      percent: 60,
      tone: "ok",
    });
    expect(describePeriod({ used: 1700, limit: 2000, remaining: 300 }).tone).toBe("warning");
    expect(describePeriod({ used: 2500, limit: 2000, remaining: 0 })).toMatchObject({ percent: 100, tone: "full" });
    expect(describePeriod({ used: 0, limit: 0, remaining: 0 }).tone).toBe("full");
    expect(describePeriod({ used: 42, limit: null, remaining: null })).toEqual({
      text: "42 (unlimited)",
      percent: 0,
      tone: "ok",
    });
  });
});

describe("the limits form", () => {
  it("shows month limits without the add-on and unlimited as empty", () => {
    const form = limitsToForm(usage);
    expect(form.limits.emails).toEqual({ day: "2000", month: "20000" });
    expect(form.limits.ai_tokens).toEqual({ day: "", month: "2000000" });
  });

  it("sends only what changed; an emptied field is unlimited (null)", () => {
    // Given the saved form and an edit of the plan, one month limit and one cleared day limit
    const saved = limitsToForm(usage);
    const edited = {
      plan: "growth" as const,
      limits: { ...saved.limits, emails: { day: "", month: " 30000 " } },
    };
    // Then the body has those three changes and nothing else
    expect(limitsToApi(saved, edited)).toEqual({
      body: { plan: "growth", limits: { emails: { day: null, month: 30000 } } },
      errors: {},
    });
    expect(limitsToApi(saved, saved)).toEqual({ body: {}, errors: {} });
  });

  it("names a limit that is not a whole number, as the API would", () => {
    const saved = limitsToForm(usage);
    const edited = { ...saved, limits: { ...saved.limits, ai_tokens: { day: "1.5", month: "2000000" } } };
    expect(limitsToApi(saved, edited).errors).toEqual({
      "limits/ai_tokens/day": "must be a whole number, or empty for unlimited",
    });
  });
});
