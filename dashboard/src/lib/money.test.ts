import { describe, expect, it } from "vitest";
import { dollars, quantity } from "./money";

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
