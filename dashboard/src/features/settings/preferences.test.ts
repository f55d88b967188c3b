import { describe, expect, it } from "vitest";
import { channelsOf, preferenceChanges, typeLabel } from "./preferences";

describe("notification preferences", () => {
  const saved = { task_assigned: { in_app: true }, mention: { in_app: true, email: false } };

  it("lists every channel once, as table columns", () => {
    expect(channelsOf(saved)).toEqual(["in_app", "email"]);
  });

  it("patches only the switched toggles", () => {
    // Given one toggle switched off and one switched on
    const edited = { task_assigned: { in_app: true }, mention: { in_app: false, email: true } };
    // Then only the mention type is sent, with both its channels
    expect(preferenceChanges(saved, edited)).toEqual({ mention: { in_app: false, email: true } });
    expect(preferenceChanges(saved, saved)).toEqual({});
  });

  it("labels known types in words and falls back to the type's name", () => {
    expect(typeLabel("mention")).toBe("Someone mentions me in a note");
    expect(typeLabel("deal_won")).toBe("deal won");
  });
});
