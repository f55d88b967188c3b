import { describe as group, expect, it } from "vitest";
import { describe, fromRule, NO_RECURRENCE, toRule, type Recurrence } from "./recurrence";
import { formatDue, localInputValue } from "./time";

const weekly: Recurrence = { ...NO_RECURRENCE, frequency: "weekly", interval: 2, weekdays: ["WE", "MO"] };

group("recurrence editor to RRULE", () => {
  it("writes nothing for a task that does not repeat", () => {
    expect(toRule(NO_RECURRENCE)).toBeNull();
  });

  it("writes the interval only when above one, and weekdays in week order", () => {
    expect(toRule({ ...NO_RECURRENCE, frequency: "daily" })).toBe("FREQ=DAILY");
    expect(toRule(weekly)).toBe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE");
  });

  it("ends on a day as a UTC UNTIL at that day's end, or after a count", () => {
    expect(toRule({ ...weekly, ending: "until", until: "2026-12-31" })).toBe(
      "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231T235959Z",
    );
    expect(toRule({ ...NO_RECURRENCE, frequency: "monthly", monthDay: 15, ending: "count", count: 6 })).toBe(
      "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6",
    );
  });

  it("keeps weekdays out of a daily rule and a month day out of a weekly one", () => {
    expect(toRule({ ...weekly, frequency: "daily", monthDay: 3 })).toBe("FREQ=DAILY;INTERVAL=2");
  });
});

group("RRULE to recurrence editor", () => {
  it("reads back every rule the editor writes", () => {
    const states: Recurrence[] = [
      { ...NO_RECURRENCE, frequency: "daily", interval: 3 },
      { ...weekly, weekdays: ["MO", "WE"], ending: "until", until: "2027-01-31" },
      { ...NO_RECURRENCE, frequency: "monthly", monthDay: 31, ending: "count", count: 12 },
    ];
    for (const state of states) expect(fromRule(toRule(state))).toEqual(state);
  });

  it("accepts the RRULE: prefix and lower case", () => {
    expect(fromRule("RRULE:freq=weekly;byday=fr")).toMatchObject({ frequency: "weekly", weekdays: ["FR"] });
  });

  it("gives null for rules the editor cannot show, so they are kept as text", () => {
    for (const rule of [
      "FREQ=YEARLY",
      "FREQ=WEEKLY;BYDAY=1MO",
      "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR",
      "FREQ=DAILY;BYDAY=MO",
      "FREQ=DAILY;COUNT=3;UNTIL=20270101",
      "FREQ=DAILY;INTERVAL=0",
    ]) {
      expect(fromRule(rule), rule).toBeNull();
    }
  });

  it("reads an empty rule as no recurrence", () => {
    expect(fromRule(null)).toEqual(NO_RECURRENCE);
  });
});

group("describing a rule", () => {
  it("says what it means in words", () => {
    expect(describe(weekly)).toBe("Every 2 weeks on Mon, Wed");
    expect(describe({ ...NO_RECURRENCE, frequency: "monthly", monthDay: 2, ending: "count", count: 1 })).toBe(
      "Every month on the 2nd, 1 time",
    );
    expect(describe({ ...NO_RECURRENCE, frequency: "daily", ending: "until", until: "2026-05-01" })).toBe(
      "Every day until 2026-05-01",
    );
  });
});

group("due times in the user's zone", () => {
  it("shows a UTC instant as wall time in the zone", () => {
    expect(localInputValue("2026-03-10T14:00:00Z", "America/New_York")).toBe("2026-03-10T10:00");
    expect(localInputValue("2026-07-10T14:00:00Z", "America/New_York")).toBe("2026-07-10T10:00");
    expect(localInputValue(null, "UTC")).toBe("");
  });

  it("names today and tomorrow in the zone, not in UTC", () => {
    const now = new Date("2026-03-10T03:00:00Z"); // still March 9 in New York
    expect(formatDue("2026-03-10T02:00:00Z", "America/New_York", now)).toMatch(/^Today /);
    expect(formatDue("2026-03-10T15:00:00Z", "America/New_York", now)).toMatch(/^Tomorrow /);
  });
});
