// The friendly recurrence editor's model and its RFC 5545 RRULE, both ways. The API takes the RRULE
// (FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL, BYDAY, BYMONTHDAY, UNTIL, COUNT); rules the editor cannot show
// come back as null so the screen offers them as raw text instead of silently changing them.
export type Frequency = "none" | "daily" | "weekly" | "monthly";
export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";
export type Ending = "never" | "until" | "count";

export const WEEKDAYS: { code: Weekday; short: string; long: string }[] = [
  { code: "MO", short: "Mon", long: "Monday" },
  { code: "TU", short: "Tue", long: "Tuesday" },
  { code: "WE", short: "Wed", long: "Wednesday" },
  { code: "TH", short: "Thu", long: "Thursday" },
  { code: "FR", short: "Fri", long: "Friday" },
  { code: "SA", short: "Sat", long: "Saturday" },
  { code: "SU", short: "Sun", long: "Sunday" },
];

export interface Recurrence {
  frequency: Frequency;
  interval: number;
  /** weekly: the days it falls on (none: the due date's weekday) */
  weekdays: Weekday[];
  /** monthly: the day of the month (null: the due date's day) */
  monthDay: number | null;
  ending: Ending;
  /** YYYY-MM-DD, the last day it may fall on */
  until: string;
  count: number;
}

export const NO_RECURRENCE: Recurrence = {
  frequency: "none",
  interval: 1,
  weekdays: [],
  monthDay: null,
  ending: "never",
  until: "",
  count: 10,
};

const FREQ: Record<Exclude<Frequency, "none">, string> = { daily: "DAILY", weekly: "WEEKLY", monthly: "MONTHLY" };

/** The RRULE of an editor state; null when it does not repeat. */
export function toRule(r: Recurrence): string | null {
  if (r.frequency === "none") return null;
  const parts = [`FREQ=${FREQ[r.frequency]}`];
  if (r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.frequency === "weekly" && r.weekdays.length) {
    const order = WEEKDAYS.map((d) => d.code);
    parts.push(`BYDAY=${[...r.weekdays].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(",")}`);
  }
  if (r.frequency === "monthly" && r.monthDay) parts.push(`BYMONTHDAY=${r.monthDay}`);
  // UNTIL must be UTC when the series starts at a zoned time (RFC 5545 §3.3.10): the end of that day.
  if (r.ending === "until" && /^\d{4}-\d{2}-\d{2}$/.test(r.until))
    parts.push(`UNTIL=${r.until.replace(/-/g, "")}T235959Z`);
  if (r.ending === "count") parts.push(`COUNT=${r.count}`);
  return parts.join(";");
}

/** The editor state of an RRULE; null when the editor cannot represent it (shown as raw text). */
export function fromRule(rule: string | null | undefined): Recurrence | null {
  if (!rule || !rule.trim()) return { ...NO_RECURRENCE };
  const body = rule.trim().replace(/^RRULE:/i, "");
  const parts = new Map<string, string>();
  for (const part of body.toUpperCase().split(";")) {
    const [key, value] = part.split("=");
    if (!key || value === undefined || parts.has(key)) return null;
    parts.set(key, value);
  }
  const frequency = (Object.entries(FREQ).find(([, f]) => f === parts.get("FREQ"))?.[0] ?? null) as Frequency | null;
  if (!frequency) return null;
  const allowed = new Set(["FREQ", "INTERVAL", "UNTIL", "COUNT"]);
  if (frequency === "weekly") allowed.add("BYDAY");
  if (frequency === "monthly") allowed.add("BYMONTHDAY");
  if ([...parts.keys()].some((k) => !allowed.has(k))) return null;
  const out: Recurrence = { ...NO_RECURRENCE, frequency };
  const interval = parts.get("INTERVAL");
  if (interval !== undefined) {
    if (!/^\d{1,4}$/.test(interval) || Number(interval) < 1) return null;
    out.interval = Number(interval);
  }
  const byDay = parts.get("BYDAY");
  if (byDay !== undefined) {
    const days = byDay.split(",");
    if (!days.every((d) => WEEKDAYS.some((w) => w.code === d))) return null;
    out.weekdays = days as Weekday[];
  }
  const monthDay = parts.get("BYMONTHDAY");
  if (monthDay !== undefined) {
    if (!/^\d{1,2}$/.test(monthDay) || Number(monthDay) < 1 || Number(monthDay) > 31) return null;
    out.monthDay = Number(monthDay);
  }
  const until = parts.get("UNTIL");
  const count = parts.get("COUNT");
  if (until !== undefined && count !== undefined) return null;
  if (until !== undefined) {
    const match = /^(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?$/.exec(until);
    if (!match) return null;
    out.ending = "until";
    out.until = `${match[1]}-${match[2]}-${match[3]}`;
  }
  if (count !== undefined) {
    if (!/^\d{1,4}$/.test(count) || Number(count) < 1) return null;
    out.ending = "count";
    out.count = Number(count);
  }
  return out;
}

function ordinal(n: number): string {
  const suffix =
    n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th";
  return `${n}${suffix}`;
}

/** "Every 2 weeks on Mon, Wed, 5 times" — what the rule means, in words. */
export function describe(r: Recurrence): string {
  if (r.frequency === "none") return "Does not repeat";
  const unit = { daily: "day", weekly: "week", monthly: "month" }[r.frequency];
  let text = r.interval > 1 ? `Every ${r.interval} ${unit}s` : `Every ${unit}`;
  if (r.frequency === "weekly" && r.weekdays.length) {
    text += ` on ${WEEKDAYS.filter((d) => r.weekdays.includes(d.code))
      .map((d) => d.short)
      .join(", ")}`;
  }
  if (r.frequency === "monthly" && r.monthDay) text += ` on the ${ordinal(r.monthDay)}`;
  if (r.ending === "until" && r.until) text += ` until ${r.until}`;
  if (r.ending === "count") text += `, ${r.count} time${r.count === 1 ? "" : "s"}`;
  return text;
}
