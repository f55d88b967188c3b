// Usage against limits: how full each counter is, and the limits form (empty = unlimited) to the API's body.
import type { Schemas } from "@/lib/api/client";

export type Usage = Schemas["Usage"];
export type UsagePeriod = Schemas["Usage.period"];
export type UsageLimitsBody = Schemas["UsageLimits"];

export const KIND_LABELS: Record<string, string> = {
  sms_segments: "SMS segments",
  emails: "Emails",
  voice_minutes: "Voice minutes",
  ai_tokens: "AI tokens",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.replace(/_/g, " ");
}

const number = new Intl.NumberFormat("en-US");

/** "1,200 of 2,000 (60%)", how full, and a tone for the bar. */
export function describePeriod(period: UsagePeriod): {
  text: string;
  percent: number;
  tone: "ok" | "warning" | "full";
} {
  if (period.limit === null) return { text: `${number.format(period.used)} (unlimited)`, percent: 0, tone: "ok" };
  const percent = period.limit > 0 ? Math.min(100, Math.round((period.used / period.limit) * 100)) : 100;
  const tone = percent >= 100 ? "full" : percent >= 80 ? "warning" : "ok";
  return { text: `${number.format(period.used)} of ${number.format(period.limit)} (${percent}%)`, percent, tone };
}

export interface LimitsForm {
  plan: Usage["plan"];
  /** per kind, the day and month limits as typed; "" means unlimited. The month excludes add-ons. */
  limits: Record<string, { day: string; month: string }>;
}

export function limitsToForm(usage: Usage): LimitsForm {
  const limits: LimitsForm["limits"] = {};
  for (const [kind, counter] of Object.entries(usage.counters)) {
    const month = counter.month.limit === null ? null : counter.month.limit - counter.addon;
    limits[kind] = {
      day: counter.day.limit === null ? "" : String(counter.day.limit),
      month: month === null ? "" : String(month),
    };
  }
  return { plan: usage.plan, limits };
}

function parseLimit(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/** The PUT /usage/limits body for what changed, or the fields typed wrong (named as the API names them). */
export function limitsToApi(
  saved: LimitsForm,
  edited: LimitsForm,
): { body: UsageLimitsBody; errors: Record<string, string> } {
  const body: UsageLimitsBody = {};
  const errors: Record<string, string> = {};
  if (edited.plan !== saved.plan) body.plan = edited.plan;
  for (const [kind, periods] of Object.entries(edited.limits)) {
    for (const period of ["day", "month"] as const) {
      if (periods[period] === saved.limits[kind]?.[period]) continue;
      const value = parseLimit(periods[period]);
      if (value === undefined) {
        errors[`limits/${kind}/${period}`] = "must be a whole number, or empty for unlimited";
        continue;
      }
      body.limits ??= {};
      body.limits[kind] = { ...body.limits[kind], [period]: value };
    }
  }
  return { body, errors };
}
