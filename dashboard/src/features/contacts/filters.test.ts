import { describe, expect, it } from "vitest";
import {
  activeFilterCount,
  EMPTY_FILTERS,
  fromSegmentFilter,
  splitList,
  toSearchParams,
  toSegmentFilter,
  type ContactFilters,
} from "./filters";

const filters = (over: Partial<ContactFilters>): ContactFilters => ({ ...EMPTY_FILTERS, ...over });

describe("toSearchParams", () => {
  it("sends nothing for empty filters and the default sort", () => {
    // Given no filters / When turned into query parameters / Then the search asks for everything
    expect(toSearchParams(EMPTY_FILTERS)).toEqual({});
  });

  it("names every filter as the search route reads it", () => {
    // Given every control of the panel set
    const all = filters({
      q: " ada ",
      tagsAny: ["vip", "lead"],
      tagsAll: ["paid"],
      tagsNone: ["spam"],
      sources: ["webinar"],
      scoreMin: "10",
      scoreMax: "90",
      doNotContact: "false",
      createdFrom: "2030-01-01",
      createdTo: "2030-02-01",
    });
    // When turned into query parameters, sorted by score
    const params = toSearchParams(all, "-score");
    // Then each has the route's name and comma-joined lists
    expect(params).toEqual({
      q: "ada",
      tags_any: "vip,lead",
      tags_all: "paid",
      tags_none: "spam",
      source: "webinar",
      score_min: "10",
      score_max: "90",
      do_not_contact: "false",
      created_from: "2030-01-01",
      created_to: "2030-02-01",
      sort: "-score",
    });
  });

  it("writes custom-field conditions as cf.<key>=<op>:<value>", () => {
    // Given conditions a segment brought (a list value, an existence test)
    const params = toSearchParams(
      filters({
        custom: [
          { key: "plan", op: "in", value: ["pro", "team"] },
          { key: "vat", op: "exists" },
        ],
      }),
    );
    // Then they use the search route's custom-field syntax
    expect(params).toEqual({ "cf.plan": "in:pro,team", "cf.vat": "exists:" });
  });
});

describe("segment filters", () => {
  it("round-trip through the segment's filter document", () => {
    // Given filters with a score range, tags, a date range and a custom condition
    const original = filters({
      tagsAll: ["vip"],
      tagsNone: ["spam"],
      scoreMin: "5",
      createdFrom: "2030-01-01",
      doNotContact: "true",
      custom: [{ key: "plan", op: "eq", value: "pro" }],
    });
    // When saved as a segment filter and read back
    const saved = toSegmentFilter(original);
    // Then the document is the search language, and reading it gives the same filters
    expect(saved).toEqual({
      tags: { all: ["vip"], none: ["spam"] },
      score: { min: 5 },
      created_at: { from: "2030-01-01" },
      do_not_contact: true,
      custom_fields: [{ key: "plan", op: "eq", value: "pro" }],
    });
    expect(fromSegmentFilter(saved)).toEqual(original);
  });

  it("leaves out a score bound that is not a whole number", () => {
    expect(toSegmentFilter(filters({ scoreMin: "abc", scoreMax: "7" }))).toEqual({ score: { max: 7 } });
  });
});

describe("helpers", () => {
  it("splits comma lists and counts the filters that are set", () => {
    expect(splitList(" vip, ,lead ,")).toEqual(["vip", "lead"]);
    // The search text is not a filter; a custom condition is
    expect(
      activeFilterCount(filters({ q: "x", tagsAny: ["a"], scoreMin: "1", custom: [{ key: "k", op: "exists" }] })),
    ).toBe(3);
  });
});
