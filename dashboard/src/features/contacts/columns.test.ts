import { describe, expect, it } from "vitest";
import {
  availableColumns,
  DEFAULT_COLUMNS,
  loadColumnChoice,
  saveColumnChoice,
  toggleColumn,
  visibleColumns,
  type FieldDefinition,
} from "./columns";

const plan: FieldDefinition = {
  key: "plan",
  label: "Plan",
  type: "single_select",
  options: ["pro"],
  required: false,
  created_at: "2030-01-01T00:00:00Z",
  updated_at: "2030-01-01T00:00:00Z",
};

describe("column choice", () => {
  it("starts from the defaults and survives a reload through localStorage", () => {
    // Given nothing saved / Then the defaults are shown
    expect(loadColumnChoice()).toEqual(DEFAULT_COLUMNS);
    // When the user turns on the custom field column and turns off email
    const all = availableColumns([plan]);
    let chosen = toggleColumn(loadColumnChoice(), "cf:plan", all);
    chosen = toggleColumn(chosen, "email", all);
    saveColumnChoice(chosen);
    // Then the next load gives that choice
    expect(loadColumnChoice()).toEqual(["phone", "company", "tags", "score", "created_at", "cf:plan"]);
  });

  it("ignores an unreadable saved value", () => {
    localStorage.setItem("leadpilot.contacts.columns", "{not json");
    expect(loadColumnChoice()).toEqual(DEFAULT_COLUMNS);
    localStorage.setItem("leadpilot.contacts.columns", JSON.stringify([1, 2]));
    expect(loadColumnChoice()).toEqual(DEFAULT_COLUMNS);
  });

  it("keeps new columns in the built-in order", () => {
    const all = availableColumns([]);
    expect(toggleColumn(["email", "score"], "phone", all)).toEqual(["email", "phone", "score"]);
  });

  it("always shows the name and drops columns of deleted custom fields", () => {
    // Given a saved choice naming a custom field that no longer exists
    const columns = visibleColumns(["email", "cf:gone"], availableColumns([plan]));
    // Then the name comes first and the missing field is simply not drawn
    expect(columns.map((c) => c.id)).toEqual(["name", "email"]);
  });

  it("shows custom values readably", () => {
    const column = availableColumns([plan]).find((c) => c.id === "cf:plan");
    const contact = { custom_fields: { plan: ["a", "b"] } } as never;
    expect(column?.value(contact)).toBe("a, b");
  });
});
