import { describe, expect, it } from "vitest";
import {
  barLengths,
  changedMarkups,
  currentMonth,
  exactDollars,
  formatMarkup,
  formatMicros,
  monthLabel,
  shiftMonth,
  sumTotals,
  type RollupTotals,
} from "./money";

describe("formatMicros", () => {
  it("shows micro-dollars as dollars to the cent, grouped, rounding half-up", () => {
    // Given amounts in micro-dollars / Then they read as dollars
    expect(formatMicros(0)).toBe("$0.00");
    expect(formatMicros(1_234_565_000)).toBe("$1,234.57");
    expect(formatMicros(1_234_564_999)).toBe("$1,234.56");
    expect(formatMicros(9_875)).toBe("$0.01");
    expect(formatMicros(-2_500_000)).toBe("-$2.50");
  });

  it("does not show a tiny non-zero amount as zero", () => {
    // Given one email's cost (100 µ$) / Then it is not "$0.00"
    expect(formatMicros(100)).toBe("<$0.01");
  });
});

describe("exactDollars", () => {
  it("keeps every micro-dollar", () => {
    expect(exactDollars(7_900)).toBe("$0.0079");
    expect(exactDollars(12_000_000)).toBe("$12.00");
    expect(exactDollars(1_500_000_001)).toBe("$1,500.000001");
  });
});

describe("formatMarkup", () => {
  it("names zero 'at cost' and shows others as a plus percentage", () => {
    expect(formatMarkup("0.00")).toBe("at cost");
    expect(formatMarkup("25.00")).toBe("+25%");
    expect(formatMarkup("12.50")).toBe("+12.5%");
  });
});

describe("months", () => {
  it("uses the UTC month and steps across years", () => {
    // Given a moment that is already January in UTC but December in New York
    expect(currentMonth(new Date("2026-01-01T02:00:00Z"))).toBe("2026-01");
    expect(shiftMonth("2026-01", -1)).toBe("2025-12");
    expect(shiftMonth("2025-12", 1)).toBe("2026-01");
    expect(monthLabel("2026-03")).toBe("March 2026");
  });
});

function totals(billed: number, contacts: number): RollupTotals {
  const money = { sms_segments: billed, emails: 0, voice_minutes: 0, ai_tokens: 0, total: billed };
  return {
    sub_accounts: 1,
    contacts: { total: contacts, created: 1 },
    messages: { sms_sent: 2, sms_received: 1, emails_sent: 0, total: 3 },
    calls: 1,
    appointments: 0,
    usage: { sms_segments: 2, emails: 0, voice_minutes: 0, ai_tokens: 0 },
    cost_micros: money,
    billed_micros: money,
  };
}

describe("sumTotals", () => {
  it("adds the totals of every loaded page exactly", () => {
    // Given two pages' totals / When summed
    const sum = sumTotals([totals(7_900, 5), totals(1_000_001, 2)]);
    // Then each count and amount is the sum, in integer micro-dollars
    expect(sum?.sub_accounts).toBe(2);
    expect(sum?.contacts).toEqual({ total: 7, created: 2 });
    expect(sum?.messages.total).toBe(6);
    expect(sum?.billed_micros.total).toBe(1_007_901);
    expect(sumTotals([])).toBeNull();
  });
});

describe("barLengths", () => {
  it("scales to the largest value and draws nothing when all are zero", () => {
    expect(barLengths([50, 100, 0], 200)).toEqual([100, 200, 0]);
    expect(barLengths([0, 0], 200)).toEqual([0, 0]);
  });
});

describe("changedMarkups", () => {
  it("sends only what changed, treating equal numbers as unchanged and a cleared field as a change", () => {
    // Given saved markups and what the form now holds
    const saved = { sms_segments: "25.00", emails: "0.00", voice_minutes: "10.00", ai_tokens: "0.00" };
    const typed = { sms_segments: "25", emails: "", voice_minutes: "12.5", ai_tokens: "0.00" };
    // Then only the cleared and the new value are sent
    expect(changedMarkups(saved, typed)).toEqual({ emails: "", voice_minutes: "12.5" });
  });
});
