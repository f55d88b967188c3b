import { describe, expect, it } from "vitest";
import { changedFields, sameValue } from "./form";

describe("form drafts", () => {
  it("compares JSON values deeply", () => {
    expect(sameValue({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue([], {})).toBe(false);
    expect(sameValue(null, {})).toBe(false);
  });

  it("keeps only the changed top-level fields for a partial update", () => {
    const saved = { name: "Acme", timezone: "UTC", quiet: { start: "08:00" } };
    const edited = { name: "Acme", timezone: "Europe/Paris", quiet: { start: "09:00" } };
    expect(changedFields(saved, edited)).toEqual({ timezone: "Europe/Paris", quiet: { start: "09:00" } });
    expect(changedFields(saved, saved)).toEqual({});
  });
});
