import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { clearSuspension, currentSuspension, noteError, suspensionOf } from "./suspension";

const suspended = (details: Record<string, unknown>) =>
  new ApiError(403, { error: { code: "workspace_suspended", message: "This workspace is suspended", details } });

describe("suspensionOf", () => {
  it("reads the reason of a 403 workspace_suspended", () => {
    // Given the API's answer for a suspended workspace, Then its reason is what the page shows
    expect(suspensionOf(suspended({ reason: "Unpaid invoice" }))).toEqual({ reason: "Unpaid invoice" });
  });

  it("still reports the suspension when the reason is missing or blank", () => {
    expect(suspensionOf(suspended({}))?.reason).toBe("No reason was given.");
    expect(suspensionOf(suspended({ reason: "  " }))?.reason).toBe("No reason was given.");
  });

  it("ignores every other error, including other 403s", () => {
    expect(suspensionOf(new ApiError(403, { error: { code: "forbidden", message: "no", details: {} } }))).toBeNull();
    expect(suspensionOf(new ApiError(401, { error: { code: "workspace_suspended", details: {} } }))).toBeNull();
    expect(suspensionOf(new Error("workspace_suspended"))).toBeNull();
    expect(suspensionOf(null)).toBeNull();
  });

  it("notes a suspension once and forgets it when cleared", () => {
    // Given no suspension noted, When an unrelated error then a suspension arrive, Then only the suspension counts
    noteError(new Error("offline"));
    expect(currentSuspension()).toBeNull();
    noteError(suspended({ reason: "Abuse" }));
    expect(currentSuspension()).toEqual({ reason: "Abuse" });

    // When cleared (after a reactivation), Then the app shows its screens again
    clearSuspension();
    expect(currentSuspension()).toBeNull();
  });
});
