// Scaling for the usage charts: a "nice" top for the axis, its ticks, and stacked bars per period.
export interface StackRow {
  period: string;
  product: string;
  value: number;
}

export interface Segment {
  product: string;
  value: number;
  /** offset from the axis and length, both as a fraction of the axis top (0..1) */
  start: number;
  size: number;
}

export interface Bar {
  period: string;
  total: number;
  segments: Segment[];
}

/** The smallest 1, 2, 2.5 or 5 × 10^n at or above the value (1 for nothing to show). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** `count` + 1 evenly spaced tick values from 0 to top (5 steps of a nice top are round: 0.2, 0.4, 0.5 or 1 × 10^n). */
export function ticks(top: number, count = 5): number[] {
  return Array.from({ length: count + 1 }, (_, i) => (top * i) / count);
}

/** One bar per period (in the order given), each product a segment stacked in the products' order; negative
 * values (net refunds) count as nothing, since a bar cannot go below its axis. */
export function stackBars(rows: StackRow[], periods: string[], products: string[]): { top: number; bars: Bar[] } {
  const byPeriod = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const values = byPeriod.get(row.period) ?? new Map<string, number>();
    values.set(row.product, (values.get(row.product) ?? 0) + Math.max(0, row.value));
    byPeriod.set(row.period, values);
  }
  const totals = periods.map((p) => [...(byPeriod.get(p)?.values() ?? [])].reduce((a, b) => a + b, 0));
  const top = niceMax(Math.max(0, ...totals));
  const bars = periods.map((period, i) => {
    let start = 0;
    const segments: Segment[] = [];
    for (const product of products) {
      const value = byPeriod.get(period)?.get(product) ?? 0;
      if (value <= 0) continue;
      segments.push({ product, value, start: start / top, size: value / top });
      start += value;
    }
    return { period, total: totals[i] ?? 0, segments };
  });
  return { top, bars };
}

/** Every period label from `from` to `to` inclusive: days (yyyy-mm-dd) or months (yyyy-mm), at most `limit`. */
export function periodsBetween(granularity: "day" | "month", from: string, to: string, limit = 400): string[] {
  const out: string[] = [];
  if (granularity === "day") {
    const day = new Date(`${from}T00:00:00Z`);
    const last = new Date(`${to}T00:00:00Z`);
    while (day <= last && out.length < limit) {
      out.push(day.toISOString().slice(0, 10));
      day.setUTCDate(day.getUTCDate() + 1);
    }
    return out;
  }
  let [year, month] = from.split("-").map(Number) as [number, number];
  while (`${year}-${String(month).padStart(2, "0")}` <= to && out.length < limit) {
    out.push(`${year}-${String(month).padStart(2, "0")}`);
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
  return out;
}

/** The last day of a month (yyyy-mm → yyyy-mm-dd). */
export function monthEnd(month: string): string {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, mon, 0)).toISOString().slice(0, 10);
}
