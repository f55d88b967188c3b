// Calendar arithmetic in the browser's zone: the days of a week or a month grid, and ISO instants for ranges.

/** Midnight (local) of the Monday of the week holding `day`. */
export function weekStart(day: Date): Date {
  const start = new Date(day.getFullYear(), day.getMonth(), day.getDate());
  const offset = (start.getDay() + 6) % 7; // Monday = 0
  start.setDate(start.getDate() - offset);
  return start;
}

export function addDays(day: Date, n: number): Date {
  const next = new Date(day.getFullYear(), day.getMonth(), day.getDate());
  next.setDate(next.getDate() + n);
  return next;
}

/** The days a view shows: 7 from Monday (week), or whole weeks covering the month (month). */
export function viewDays(anchor: Date, view: "week" | "month"): Date[] {
  if (view === "week") return Array.from({ length: 7 }, (_, n) => addDays(weekStart(anchor), n));
  const first = weekStart(new Date(anchor.getFullYear(), anchor.getMonth(), 1));
  const last = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0);
  const days: Date[] = [];
  for (let day = first; day <= last || days.length % 7 !== 0; day = addDays(day, 1)) days.push(day);
  return days;
}

/** YYYY-MM-DD of a local date. */
export function isoDate(day: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

export function sameDay(a: Date, b: Date): boolean {
  return isoDate(a) === isoDate(b);
}

export function timeLabel(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
