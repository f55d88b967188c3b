// Pure helpers of the webhooks screens: grouping the catalogue for the picker, custom headers as text, and
// how a delivery reads in the log.
import type { Delivery, EventType } from "./api";

export interface EventGroup {
  noun: string;
  types: EventType[];
}

/** Event types grouped by their noun (contact, deal, …), each group and type sorted; `filter` matches types. */
export function groupEventTypes(types: readonly EventType[], filter = ""): EventGroup[] {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, EventType[]>();
  for (const type of types) {
    if (needle && !type.type.includes(needle) && !type.description.toLowerCase().includes(needle)) continue;
    const noun = type.type.split(".")[0] ?? type.type;
    groups.set(noun, [...(groups.get(noun) ?? []), type]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([noun, list]) => ({ noun, types: [...list].sort((a, b) => a.type.localeCompare(b.type)) }));
}

/** "Name: value" lines as a header map; blank lines are skipped, a line without ":" is an error. */
export function parseHeaders(text: string): { headers: Record<string, string>; error: string | null } {
  const headers: Record<string, string> = {};
  for (const [n, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return { headers, error: `Line ${n + 1} is not "Name: value"` };
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { headers, error: null };
}

export function formatHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
}

/** The badge class and words of a delivery's status. */
export function statusBadge(status: Delivery["status"]): { className: string; label: string } {
  switch (status) {
    case "succeeded":
      return { className: "badge success", label: "Succeeded" };
    case "failed":
      return { className: "badge danger", label: "Failed" };
    case "sending":
      return { className: "badge accent", label: "Sending" };
    default:
      return { className: "badge warning", label: "Retrying" };
  }
}

/** The last attempt of a delivery, if any was made. */
export function lastAttempt(delivery: Delivery): Delivery["log"][number] | undefined {
  return delivery.log[delivery.log.length - 1];
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "–";
}
