// Quiet hours between the form and the API. The API keeps a sending window: texts go out only between `start`
// and `end` (HH:MM) on `weekdays` (0 = Monday … 6 = Sunday), in the contact's zone (the workspace's when
// unknown); the form shows one checkbox per day and says in words when texts wait.
import type { Schemas } from "@/lib/api/client";

export type QuietHours = Schemas["SmsSettings"]["quiet_hours"];

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

export interface QuietHoursForm {
  enabled: boolean;
  start: string;
  end: string;
  /** index = API weekday number */
  days: boolean[];
}

export function quietHoursToForm(quiet: QuietHours): QuietHoursForm {
  return {
    enabled: quiet.enabled,
    start: quiet.start,
    end: quiet.end,
    days: WEEKDAYS.map((_, day) => quiet.weekdays.includes(day)),
  };
}

export function quietHoursToApi(form: QuietHoursForm): QuietHours {
  return {
    enabled: form.enabled,
    start: form.start.slice(0, 5), // a time input with seconds gives HH:MM:SS; the API takes HH:MM
    end: form.end.slice(0, 5),
    weekdays: form.days.flatMap((on, day) => (on ? [day] : [])),
  };
}

/** "every day", "Monday to Friday", "Monday, Wednesday and Friday", "no day". */
export function describeDays(weekdays: readonly number[]): string {
  const days = [...new Set(weekdays)].filter((d) => d >= 0 && d <= 6).sort((a, b) => a - b);
  if (days.length === 0) return "no day";
  if (days.length === 7) return "every day";
  const first = days[0] ?? 0;
  const last = days[days.length - 1] ?? 0;
  if (days.length > 2 && last - first === days.length - 1) return `${WEEKDAYS[first]} to ${WEEKDAYS[last]}`;
  const names = days.map((d) => WEEKDAYS[d]);
  return names.length === 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** What the settings mean for a text, in one sentence. */
export function describeQuietHours(form: QuietHoursForm, zone: string | undefined): string {
  if (!form.enabled) return "Texts go out at any time.";
  const { start, weekdays } = quietHoursToApi(form);
  const end = form.end.slice(0, 5);
  const overnight = end < start ? " (the next day)" : "";
  const where = zone ? `the contact's local time, or ${zone} when it is unknown` : "the contact's local time";
  return `Texts go out ${describeDays(weekdays)} between ${start} and ${end}${overnight}, in ${where}; others wait for the next window.`;
}
