import { describe, expect, it } from "vitest";
import { axisDollars, dollars, quantity } from "./money";

describe("dollars", () => {
  it("shows whole cents for amounts of a cent or more, rounded", () => {
    // Given micro-dollar amounts, When shown, Then in dollars with two decimals and separators
    expect(dollars(12_345_678)).toBe("$12.35");
    expect(dollars(1_234_567_890_000)).toBe("$1,234,567.89");
    expect(dollars(10_000)).toBe("$0.01");
  });

  it("keeps four decimals under a cent, so a single text's cost is not $0.00", () => {
    expect(dollars(7_900)).toBe("$0.0079");
    expect(dollars(1)).toBe("$0.0000");
  });

  it("shows zero and refunds (negative) plainly", () => {
    expect(dollars(0)).toBe("$0.00");
    expect(dollars(-2_500_000)).toBe("-$2.50");
  });
});

describe("quantity", () => {
  it("groups thousands", () => {
    expect(quantity(1234567)).toBe("1,234,567");
  });
});

describe("axisDollars", () => {
  it("gives each tick the decimals its step needs, never fewer than two", () => {
    // Given a chart whose axis steps by 1 cent, 0.4 cents and 200 dollars
    expect(axisDollars(30_000, 10_000)).toBe("$0.03");
    expect(axisDollars(12_000, 4_000)).toBe("$0.012");
    expect(axisDollars(600_000_000, 200_000_000)).toBe("$600.00");
  });
});
