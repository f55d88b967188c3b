import { describe, expect, it } from "vitest";
import { productLabel, rangeOf } from "./UsageReport";

describe("rangeOf", () => {
  it("asks for every day of the chosen month when grouped by day", () => {
    // Given February of a leap year picked by day, Then the range is its 29 days
    expect(rangeOf("day", "2028-02", "2028-06")).toEqual({ granularity: "day", from: "2028-02-01", to: "2028-02-29" });
  });

  it("asks for the span of months when grouped by month", () => {
    expect(rangeOf("month", "2026-01", "2026-12")).toEqual({ granularity: "month", from: "2026-01", to: "2026-12" });
  });
});

describe("productLabel", () => {
  it("names the metered products, and shows an unknown one as it is", () => {
    expect(productLabel("sms_segments")).toBe("SMS segments");
    expect(productLabel("fax_pages")).toBe("fax_pages");
  });
});
