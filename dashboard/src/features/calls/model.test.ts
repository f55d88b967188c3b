import { describe, expect, it } from "vitest";
import { formatDuration, formatMoney, greetingOf, groupTranscript, refusalMessage, type Turn } from "./model";

describe("formatDuration", () => {
  it("shows minutes and seconds, hours when long, a dash when unknown", () => {
    // Given durations in seconds / When formatted / Then clock-like text
    expect(formatDuration(7)).toBe("0:07");
    expect(formatDuration(125)).toBe("2:05");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("—");
  });
});

describe("formatMoney", () => {
  it("turns micro-dollars into dollars, keeping sub-cent amounts visible", () => {
    // Given integer micro-dollars / When formatted / Then dollars
    expect(formatMoney(1_250_000)).toBe("$1.25");
    expect(formatMoney(0)).toBe("$0.00");
    expect(formatMoney(85_000)).toBe("$0.09");
    expect(formatMoney(1_500)).toBe("$0.0015");
  });
});

describe("groupTranscript", () => {
  const turn = (role: Turn["role"], text: string, at: string): Turn => ({ role, text, at, interrupted: false });

  it("joins a speaker's consecutive turns and times each block from the call's start", () => {
    // Given caller, caller, action, action, agent turns
    const turns = [
      turn("caller", "Hi", "2026-01-01T10:00:05Z"),
      turn("caller", "are you open?", "2026-01-01T10:00:07Z"),
      turn("action", "lookup_caller: done", "2026-01-01T10:00:08Z"),
      turn("action", "check_availability: done", "2026-01-01T10:00:09Z"),
      turn("agent", "Yes, until 5.", "2026-01-01T10:01:10Z"),
    ];
    // When grouped against a start at 10:00:00
    const groups = groupTranscript(turns, "2026-01-01T10:00:00Z");
    // Then the caller's two turns are one block, each action its own line, offsets in seconds
    expect(groups.map((g) => [g.role, g.turns.length, g.offset])).toEqual([
      ["caller", 2, 5],
      ["action", 1, 8],
      ["action", 1, 9],
      ["agent", 1, 70],
    ]);
  });

  it("times from the first turn when the call has no start", () => {
    // Given no start / When grouped / Then the first block is at 0
    const groups = groupTranscript([turn("agent", "Hello", "2026-01-01T10:00:05Z")], null);
    expect(groups[0]?.offset).toBe(0);
  });
});

describe("refusalMessage", () => {
  it("explains each refusal, with the retry time for calling hours", () => {
    // Given the API's refusals / When explained / Then readable reasons
    expect(refusalMessage("call_refused", { reason: "do_not_contact" })).toMatch(/do not contact/);
    expect(refusalMessage("usage_limit_reached", {})).toMatch(/voice minutes/);
    const hours = refusalMessage("call_refused", { reason: "outside_calling_hours", retry_at: "2026-03-02T13:00:00Z" });
    expect(hours).toMatch(/outside the calling hours.*You can call from .*2026/);
    // And other errors are not refusals
    expect(refusalMessage("validation_failed", { field: "contact_id" })).toBeNull();
  });
});

describe("greetingOf", () => {
  it("reads the welcome greeting from the TwiML, unescaped", () => {
    // Given a ConversationRelay answer / When read / Then its greeting
    const twiml = `<Response><Connect><ConversationRelay url="ws://x" welcomeGreeting="Hi &amp; welcome" /></Connect></Response>`;
    expect(greetingOf(twiml)).toBe("Hi & welcome");
    expect(greetingOf("<Response><Hangup/></Response>")).toBeNull();
  });
});
