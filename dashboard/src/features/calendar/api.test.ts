import { describe, expect, it } from "vitest";
import { chosen, type ConnectionCalendars } from "./api";

const listed: ConnectionCalendars = {
  connection_id: "c1",
  provider: "google",
  calendars: [
    { id: "me", name: "Me", primary: true, writable: true, selected_for_conflicts: true, is_write_target: true },
    { id: "team", name: "Team", primary: false, writable: true, selected_for_conflicts: false, is_write_target: false },
  ],
};

describe("choosing calendars", () => {
  it("shows a new choice at once and leaves what it does not name", () => {
    // When only the calendars checked for conflicts change
    const checked = chosen(listed, { conflict_calendars: ["team"] });
    // Then those flags follow and the write target stays
    expect(checked.calendars.map((c) => [c.selected_for_conflicts, c.is_write_target])).toEqual([
      [false, true],
      [true, false],
    ]);
    // When only the write target changes, the conflicts stay
    const moved = chosen(listed, { write_calendar: "team" });
    expect(moved.calendars.map((c) => [c.selected_for_conflicts, c.is_write_target])).toEqual([
      [true, false],
      [false, true],
    ]);
  });
});
