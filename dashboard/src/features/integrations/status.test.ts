import { describe, expect, it } from "vitest";
import type { Integration } from "./api";
import { badgeClass, callbackBody, sourceLine } from "./status";

const entry = (over: Partial<Integration>): Integration => ({
  key: "openai",
  name: "OpenAI",
  category: "ai",
  auth: "credentials",
  description: "",
  status: "not_connected",
  reason: null,
  last_error: null,
  last_error_at: null,
  details: {},
  ...over,
});

describe("integration status", () => {
  it("says whose credentials are used, showing only the last 4", () => {
    const own = entry({ status: "connected", details: { credential: { set: true, last4: "WXYZ", updated_at: null } } });
    expect(sourceLine(own)).toBe("Your own key, ending WXYZ");
    expect(sourceLine(entry({}))).toBe("Using LeadPilot's shared account");
    expect(sourceLine(entry({ auth: "oauth" }))).toBeNull();
  });

  it("marks what needs attention", () => {
    expect(badgeClass("needs_attention")).toBe("badge warning");
  });

  it("reads the provider's answer from the callback URL", () => {
    expect(callbackBody("?code=abc&state=s.t")).toEqual({ state: "s.t", code: "abc" });
    expect(callbackBody("?error=access_denied&state=s")).toEqual({ state: "s", error: "access_denied" });
    expect(callbackBody("?code=abc")).toBeNull();
  });
});
