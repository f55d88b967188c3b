import { describe, expect, it } from "vitest";
import { groupEventTypes, parseHeaders, formatHeaders, statusBadge } from "./model";
import type { EventType } from "./api";

const type = (name: string, description = ""): EventType => ({ type: name, description, schema: {}, sample: {} });

describe("webhooks model", () => {
  it("groups the catalogue by noun and filters it", () => {
    // Given types of two nouns in no order
    const types = [type("deal.won"), type("contact.created", "A contact was created"), type("deal.lost")];
    // Then groups and types are sorted, and a filter keeps matching types and descriptions only
    expect(groupEventTypes(types).map((g) => [g.noun, g.types.map((t) => t.type)])).toEqual([
      ["contact", ["contact.created"]],
      ["deal", ["deal.lost", "deal.won"]],
    ]);
    expect(groupEventTypes(types, "WON").map((g) => g.noun)).toEqual(["deal"]);
    expect(groupEventTypes(types, "was created")[0]?.types[0]?.type).toBe("contact.created");
  });

  it("reads and writes custom headers as lines", () => {
    expect(parseHeaders("X-Team: sales\n\nAuthorization: Bearer a:b")).toEqual({
      headers: { "X-Team": "sales", Authorization: "Bearer a:b" },
      error: null,
    });
    expect(parseHeaders("no colon here").error).toBe('Line 1 is not "Name: value"');
    expect(formatHeaders({ "X-Team": "sales" })).toBe("X-Team: sales");
  });

  it("names each delivery status", () => {
    expect(statusBadge("pending").label).toBe("Retrying");
    expect(statusBadge("failed").className).toBe("badge danger");
  });
});
