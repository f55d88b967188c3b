import { describe, expect, it } from "vitest";
import { describeDays, describeQuietHours, quietHoursToApi, quietHoursToForm } from "./quietHours";

describe("quiet hours between the form and the API", () => {
  it("turns API weekdays into one checkbox per day and back", () => {
    // Given the API's window on weekdays 0..4 (Monday to Friday)
    const api = { enabled: true, start: "08:30", end: "20:00", weekdays: [0, 1, 2, 3, 4] };
    // When it goes into the form and back
    const form = quietHoursToForm(api);
    // Then Monday is the first box, the weekend is off, and nothing is lost on the way back
    expect(form.days).toEqual([true, true, true, true, true, false, false]);
    expect(quietHoursToApi(form)).toEqual(api);
  });

  it("sends HH:MM even when the time input gives seconds", () => {
    // Given a form whose time inputs answered with seconds
    const form = {
      enabled: true,
      start: "09:00:00",
      end: "17:45:00",
      days: [false, false, false, false, false, true, true],
    };
    // Then the API gets minutes and Saturday/Sunday as 5 and 6
    expect(quietHoursToApi(form)).toEqual({ enabled: true, start: "09:00", end: "17:45", weekdays: [5, 6] });
  });
});

describe("describing quiet hours", () => {
  it("names runs of days, single days and lists", () => {
    expect(describeDays([0, 1, 2, 3, 4, 5, 6])).toBe("every day");
    expect(describeDays([4, 0, 1, 2, 3])).toBe("Monday to Friday");
    expect(describeDays([0, 2, 4])).toBe("Monday, Wednesday and Friday");
    expect(describeDays([5, 6])).toBe("Saturday and Sunday");
    expect(describeDays([3])).toBe("Thursday");
    expect(describeDays([])).toBe("no day");
  });

  it("says when texts go out, across midnight too, and in which zone", () => {
    const days = [true, true, true, true, true, false, false];
    expect(describeQuietHours({ enabled: false, start: "08:00", end: "21:00", days }, "UTC")).toBe(
      "Texts go out at any time.",
    );
    expect(describeQuietHours({ enabled: true, start: "08:00", end: "21:00", days }, "America/New_York")).toBe(
      "Texts go out Monday to Friday between 08:00 and 21:00, in the contact's local time, or America/New_York when it is unknown; others wait for the next window.",
    );
    expect(describeQuietHours({ enabled: true, start: "22:00", end: "06:00", days }, undefined)).toContain(
      "between 22:00 and 06:00 (the next day), in the contact's local time;",
    );
  });
});
