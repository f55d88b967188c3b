import { describe, expect, it } from "vitest";
import { resourcesFor } from "./keys";

describe("resourcesFor", () => {
  it("marks the board and deals stale when a deal changes", () => {
    expect(resourcesFor("deal.updated")).toEqual(expect.arrayContaining(["deals", "pipelines"]));
  });
  it("marks conversations stale when a text arrives", () => {
    expect(resourcesFor("sms.received")).toContain("conversations");
  });
  it("ignores events no screen shows", () => {
    expect(resourcesFor("webhook.received")).toEqual([]);
  });
});
