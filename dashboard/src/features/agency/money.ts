// Money and month arithmetic of the agency screens. The API counts money in integer micro-dollars (millionths of
// a US dollar) so totals stay exact; these turn them into dollars only for display, without floating-point sums.
import type { paths, Schemas } from "@/lib/api/client";

const MICROS_PER_CENT = 10_000;
const grouped = new Intl.NumberFormat("en-US");

/** Micro-dollars as dollars to the cent ("$1,234.57"), rounded half-up; a non-zero amount under half a cent
 * reads "<$0.01" rather than a misleading "$0.00". */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const magnitude = Math.abs(Math.trunc(micros));
  const cents = Math.floor((magnitude + MICROS_PER_CENT / 2) / MICROS_PER_CENT);
  if (cents === 0 && magnitude > 0) return `${sign}<$0.01`;
  const dollars = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, "0");
  return `${sign}$${grouped.format(dollars)}.${rest}`;
}

/** Micro-dollars as exact dollars (up to six decimals, trailing zeros dropped): the title of a rounded amount. */
export function exactDollars(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const magnitude = Math.abs(Math.trunc(micros));
  const fraction = String(magnitude % 1_000_000)
    .padStart(6, "0")
    .replace(/0+$/, "");
  const whole = grouped.format(Math.floor(magnitude / 1_000_000));
  return `${sign}$${whole}${fraction.length > 0 ? `.${fraction.padEnd(2, "0")}` : ".00"}`;
}

/** A markup percentage as the API answers it ("25.00") for display: "at cost" for zero, else "+25%". */
export function formatMarkup(percent: string): string {
  const value = Number(percent);
  if (!Number.isFinite(value)) return percent;
  if (value === 0) return "at cost";
  return `+${Number(value.toFixed(2))}%`;
}

export type Markups = Schemas["Rebilling"]["markups"];

/** The markups a person changed (a number equal to the saved one, "25" for "25.00", is no change; a cleared
 * field is, so the API can say what it needs). */
export function changedMarkups(saved: Markups, values: Markups): Partial<Markups> {
  const changed: Partial<Markups> = {};
  for (const key of Object.keys(saved) as (keyof Markups)[]) {
    const typed = values[key].trim();
    const same = typed === saved[key] || (typed !== "" && Number(typed) === Number(saved[key]));
    if (!same) changed[key] = typed;
  }
  return changed;
}

/** This month as YYYY-MM in UTC (the rollups' months are UTC months). */
export function currentMonth(now: Date = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The month before or after a YYYY-MM month. */
export function shiftMonth(month: string, by: number): string {
  const [year, index] = month.split("-").map(Number) as [number, number];
  const date = new Date(Date.UTC(year, index - 1 + by, 1));
  return currentMonth(date);
}

/** A YYYY-MM month as words ("March 2026"). */
export function monthLabel(month: string): string {
  const [year, index] = month.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, index - 1, 1)),
  );
}

export type RollupPage = paths["/agency/rollups"]["get"]["responses"][200]["content"]["application/json"];
export type RollupTotals = RollupPage["totals"];

function addFields<T extends Record<string, number>>(a: T, b: T): T {
  const out = { ...a };
  for (const key of Object.keys(b) as (keyof T)[]) out[key] = ((a[key] ?? 0) + (b[key] ?? 0)) as T[keyof T];
  return out;
}

/** The totals of every page loaded so far (the API sums one page at a time). */
export function sumTotals(pages: RollupTotals[]): RollupTotals | null {
  if (pages.length === 0) return null;
  return pages.reduce((sum, page) => ({
    sub_accounts: sum.sub_accounts + page.sub_accounts,
    contacts: addFields(sum.contacts, page.contacts),
    messages: addFields(sum.messages, page.messages),
    calls: sum.calls + page.calls,
    appointments: sum.appointments + page.appointments,
    usage: addFields(sum.usage, page.usage),
    cost_micros: addFields(sum.cost_micros, page.cost_micros),
    billed_micros: addFields(sum.billed_micros, page.billed_micros),
  }));
}

/** Bar lengths for the billed chart: each value's share of the largest, as a fraction of `width`. */
export function barLengths(values: number[], width: number): number[] {
  const max = Math.max(0, ...values);
  return values.map((value) => (max > 0 ? Math.max(0, (value / max) * width) : 0));
}
