// Which columns the contacts table shows: built-in ones and one per custom field ("cf:<key>"), chosen by the
// user and kept in localStorage per browser. The name column is always shown.
import type { Schemas } from "@/lib/api/client";

export type Contact = Schemas["Contact"];
export type FieldDefinition = Schemas["ContactField"];

export interface Column {
  id: string;
  label: string;
  width: number;
  /** the `sort` value this column orders by, when the API can sort by it */
  sort?: string;
  value: (contact: Contact) => string;
}

const STORAGE_KEY = "leadpilot.contacts.columns";
export const DEFAULT_COLUMNS = ["email", "phone", "company", "tags", "score", "created_at"];

function date(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleDateString() : "";
}

export function customValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

export const NAME_COLUMN: Column = {
  id: "name",
  label: "Name",
  width: 220,
  sort: "name",
  value: (c) => displayName(c),
};

export const BUILT_IN: Column[] = [
  { id: "email", label: "Email", width: 240, value: (c) => c.email ?? "" },
  { id: "phone", label: "Phone", width: 150, value: (c) => c.phone ?? "" },
  { id: "company", label: "Company", width: 180, value: (c) => c.company ?? "" },
  { id: "source", label: "Source", width: 130, value: (c) => c.source ?? "" },
  { id: "tags", label: "Tags", width: 200, value: (c) => c.tags.join(", ") },
  { id: "score", label: "Score", width: 90, sort: "score", value: (c) => String(c.score) },
  { id: "do_not_contact", label: "Do not contact", width: 130, value: (c) => (c.do_not_contact ? "Yes" : "") },
  {
    id: "last_activity_at",
    label: "Last activity",
    width: 130,
    sort: "last_activity_at",
    value: (c) => date(c.last_activity_at),
  },
  { id: "created_at", label: "Created", width: 120, sort: "created_at", value: (c) => date(c.created_at) },
  { id: "updated_at", label: "Updated", width: 120, sort: "updated_at", value: (c) => date(c.updated_at) },
];

export function displayName(contact: Contact): string {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ");
  return name || contact.email || contact.phone || "(no name)";
}

/** Every column the user may choose: the built-in ones, then the workspace's custom fields. */
export function availableColumns(definitions: FieldDefinition[]): Column[] {
  const custom = definitions.map<Column>((d) => ({
    id: `cf:${d.key}`,
    label: d.label,
    width: 160,
    value: (c) => customValue((c.custom_fields as Record<string, unknown>)[d.key]),
  }));
  return [...BUILT_IN, ...custom];
}

/** The chosen column ids, in the order they were saved; defaults when nothing (valid) was saved. */
export function loadColumnChoice(storage: Storage = localStorage): string[] {
  try {
    const saved: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null");
    if (Array.isArray(saved) && saved.every((id) => typeof id === "string")) return saved as string[];
  } catch {
    // an unreadable value is the same as none
  }
  return [...DEFAULT_COLUMNS];
}

export function saveColumnChoice(ids: string[], storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(ids));
}

/** Turn one column on or off, keeping the order of the built-in list for new ones. */
export function toggleColumn(chosen: string[], id: string, all: Column[]): string[] {
  if (chosen.includes(id)) return chosen.filter((c) => c !== id);
  const order = all.map((c) => c.id);
  return [...chosen, id].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** The columns to draw: the chosen ones that still exist (a deleted custom field simply disappears). */
export function visibleColumns(chosen: string[], all: Column[]): Column[] {
  const byId = new Map(all.map((c) => [c.id, c]));
  return [NAME_COLUMN, ...chosen.flatMap((id) => byId.get(id) ?? [])];
}
