import { describe, expect, it } from "vitest";
import { monthEnd, niceMax, periodsBetween, stackBars, ticks } from "./chart";

describe("niceMax", () => {
  it("rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
    // Given maxima of several sizes, Then the axis top is the next nice number at or above each
    expect(niceMax(7)).toBe(10);
    expect(niceMax(10)).toBe(10);
    expect(niceMax(11)).toBe(20);
    expect(niceMax(2_100_000)).toBe(2_500_000);
    expect(niceMax(0.003)).toBeCloseTo(0.005);
  });

  it("gives 1 when there is nothing to show, so nothing divides by zero", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(-5)).toBe(1);
  });
});

describe("ticks", () => {
  it("spaces values evenly from zero to the top", () => {
    expect(ticks(20, 4)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(50)).toEqual([0, 10, 20, 30, 40, 50]);
  });
});

describe("stackBars", () => {
  it("stacks each period's products in order and scales to the axis top", () => {
    // Given two days of usage in two products and one day without usage
    const rows = [
      { period: "2026-11-01", product: "sms_segments", value: 30 },
      { period: "2026-11-01", product: "emails", value: 10 },
      { period: "2026-11-03", product: "emails", value: 20 },
    ];

    // When stacked over the three days
    const { top, bars } = stackBars(rows, ["2026-11-01", "2026-11-02", "2026-11-03"], ["sms_segments", "emails"]);

    // Then the top is nice, segments sit on each other, and the empty day is an empty bar
    expect(top).toBe(50);
    expect(bars[0]?.segments).toEqual([
      { product: "sms_segments", value: 30, start: 0, size: 0.6 },
      { product: "emails", value: 10, start: 0.6, size: 0.2 },
    ]);
    expect(bars[1]).toEqual({ period: "2026-11-02", total: 0, segments: [] });
    expect(bars[2]?.total).toBe(20);
  });

  it("draws a net refund as nothing rather than below the axis", () => {
    const { bars } = stackBars([{ period: "p", product: "emails", value: -5 }], ["p"], ["emails"]);
    expect(bars[0]?.segments).toEqual([]);
  });
});

describe("periodsBetween", () => {
  it("lists every day of a range, across a month's end", () => {
    expect(periodsBetween("day", "2026-02-27", "2026-03-01")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01"]);
  });

  it("lists months across a year's end, and nothing for a reversed range", () => {
    expect(periodsBetween("month", "2025-11", "2026-02")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(periodsBetween("month", "2026-03", "2026-02")).toEqual([]);
  });
});

describe("monthEnd", () => {
  it("knows leap years", () => {
    expect(monthEnd("2028-02")).toBe("2028-02-29");
    expect(monthEnd("2026-12")).toBe("2026-12-31");
  });
});
