import { describe, expect, it } from "vitest";
import { addDays, isoDate, viewDays, weekStart } from "./time";

describe("calendar grids", () => {
  it("starts weeks on Monday and covers a month in whole weeks", () => {
    // Given a Sunday in March 2026 (a month starting on a Sunday)
    const sunday = new Date(2026, 2, 8);
    // Then its week starts on Monday 2 March and the month grid runs Mon 23 Feb .. Sun 5 Apr
    expect(isoDate(weekStart(sunday))).toBe("2026-03-02");
    const month = viewDays(sunday, "month");
    expect(month.length % 7).toBe(0);
    expect(isoDate(month[0]!)).toBe("2026-02-23");
    expect(isoDate(month[month.length - 1]!)).toBe("2026-04-05");
    expect(viewDays(sunday, "week").map(isoDate)).toEqual(
      Array.from({ length: 7 }, (_, n) => isoDate(addDays(new Date(2026, 2, 2), n))),
    );
  });
});
