import { describe, expect, it } from "vitest";
import { describeChanges, instantOf } from "./AuditLog";

describe("describeChanges", () => {
  it("lists each field's before and after", () => {
    // Given an entry's changes, Then the table shows them on one line
    expect(describeChanges({ role: { before: "member", after: "admin" }, name: { after: "Acme" } })).toBe(
      'role: "member" → "admin"; name: — → "Acme"',
    );
    expect(describeChanges({})).toBe("");
  });
});

describe("instantOf", () => {
  it("turns a local date and time into an ISO instant, and empty into nothing", () => {
    expect(instantOf("2026-12-06T09:30")).toBe(new Date("2026-12-06T09:30").toISOString());
    expect(instantOf("")).toBeUndefined();
    expect(instantOf("not a date")).toBeUndefined();
  });
});
