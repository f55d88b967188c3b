// Due times in the user's own zone: the API stores UTC instants and takes wall time plus an IANA zone.

/** The browser's IANA zone (what the user's clock shows). */
export function userZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function parts(date: Date, zone: string): Record<string, string> {
  const out: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(date)) out[part.type] = part.value;
  return out;
}

/** A stored instant as the value of a datetime-local input in `zone` ("2026-03-10T09:00"). */
export function localInputValue(iso: string | null | undefined, zone: string): string {
  if (!iso) return "";
  const p = parts(new Date(iso), zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The calendar day (YYYY-MM-DD) of an instant in `zone`. */
export function localDay(date: Date, zone: string): string {
  const p = parts(date, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** How a due time reads in a list: "Today 09:00", "Tomorrow 14:30", "Tue 3 Mar 09:00". */
export function formatDue(iso: string, zone: string, now = new Date()): string {
  const due = new Date(iso);
  const time = due.toLocaleTimeString(undefined, { timeZone: zone, hour: "2-digit", minute: "2-digit" });
  const day = localDay(due, zone);
  if (day === localDay(now, zone)) return `Today ${time}`;
  if (day === localDay(new Date(now.getTime() + 86_400_000), zone)) return `Tomorrow ${time}`;
  if (day === localDay(new Date(now.getTime() - 86_400_000), zone)) return `Yesterday ${time}`;
  const date = due.toLocaleDateString(undefined, {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    ...(day.slice(0, 4) !== localDay(now, zone).slice(0, 4) ? { year: "numeric" } : {}),
  });
  return `${date} ${time}`;
}

export function isOverdue(iso: string | null | undefined, now = new Date()): boolean {
  return Boolean(iso) && new Date(iso as string).getTime() < now.getTime();
}
