// Small rules of the platform screens, kept apart from the components so they are tested on their own.
import type { PlatformSettings, PlatformSettingsUpdate, PlatformWorkspace, Usage, WorkspaceUpdate } from "./api";

/** Whether a workspace matches the filter text (its name, id or an owner's email or name; case ignored). */
export function matchesWorkspace(workspace: PlatformWorkspace, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  const haystack = [workspace.name, workspace.id, ...workspace.owners.flatMap((o) => [o.email, o.name])];
  return haystack.some((value) => value.toLowerCase().includes(needle));
}

export function statusTone(status: string): string {
  return status === "active" ? "success" : status === "suspended" ? "warning" : "danger";
}

export interface PlanForm {
  plan: string;
  /** per kind: day and month limits as typed ("" = unlimited; the month without add-ons) and the add-on */
  kinds: Record<string, { day: string; month: string; addon: string }>;
}

/** The form's values for a workspace's plan, limits and add-ons (as GET /usage describes them). */
export function planForm(usage: Usage): PlanForm {
  const kinds: PlanForm["kinds"] = {};
  for (const [kind, counter] of Object.entries(usage.counters)) {
    const month = counter.month.limit === null ? null : counter.month.limit - counter.addon;
    kinds[kind] = {
      day: counter.day.limit === null ? "" : String(counter.day.limit),
      month: month === null ? "" : String(month),
      addon: String(counter.addon),
    };
  }
  return { plan: usage.plan, kinds };
}

/** The PATCH body for what changed, or the fields typed wrong (named as the API names them). */
export function planChanges(
  saved: PlanForm,
  edited: PlanForm,
): { body: WorkspaceUpdate; errors: Record<string, string> } {
  const body: WorkspaceUpdate = {};
  const errors: Record<string, string> = {};
  if (edited.plan !== saved.plan) body.plan = edited.plan as WorkspaceUpdate["plan"];
  for (const [kind, values] of Object.entries(edited.kinds)) {
    const before = saved.kinds[kind];
    for (const period of ["day", "month"] as const) {
      if (values[period] === before?.[period]) continue;
      const text = values[period].trim();
      if (text !== "" && !/^\d+$/.test(text)) {
        errors[`limits/${kind}/${period}`] = "a whole number, or empty for unlimited";
        continue;
      }
      body.limits ??= {};
      body.limits[kind] = { ...body.limits[kind], [period]: text === "" ? null : Number(text) };
    }
    if (values.addon !== before?.addon) {
      if (!/^\d+$/.test(values.addon.trim())) errors[`addons/${kind}`] = "a whole number";
      else body.addons = { ...body.addons, [kind]: Number(values.addon.trim()) };
    }
  }
  return { body, errors };
}

/** The default plans as typed: "<plan>/<kind>/<period>" -> the allowance ("" = unlimited). */
export type DefaultPlansForm = Record<string, string>;

/** The form's values for the default plans in force (the platform's changes applied). */
export function defaultPlansForm(settings: PlatformSettings): DefaultPlansForm {
  const form: DefaultPlansForm = {};
  for (const [plan, kinds] of Object.entries(settings.plans)) {
    for (const [kind, periods] of Object.entries(kinds)) {
      for (const period of ["day", "month"] as const) {
        const value = periods[period];
        form[`${plan}/${kind}/${period}`] = value === null || value === undefined ? "" : String(value);
      }
    }
  }
  return form;
}

/** The PUT body for the edited default plans (the platform's changes are replaced whole, so the earlier ones are
 * kept and the new ones added), or the fields typed wrong (named as the API names them, under "plans/"). */
export function defaultPlansChanges(
  settings: PlatformSettings,
  edited: DefaultPlansForm,
): { body: PlatformSettingsUpdate; errors: Record<string, string> } {
  const saved = defaultPlansForm(settings);
  const plans: NonNullable<PlatformSettingsUpdate["plans"]> = structuredClone(settings.plan_overrides);
  const errors: Record<string, string> = {};
  for (const [field, value] of Object.entries(edited)) {
    if (value === saved[field]) continue;
    const [plan, kind, period] = field.split("/") as [string, string, "day" | "month"];
    const text = value.trim();
    if (text !== "" && !/^\d+$/.test(text)) {
      errors[`plans/${field}`] = "a whole number, or empty for unlimited";
      continue;
    }
    plans[plan] ??= {};
    plans[plan][kind] = { ...plans[plan][kind], [period]: text === "" ? null : Number(text) };
  }
  return { body: { plans }, errors };
}

/** The last finished month (yyyy-mm) of a date: what a monthly report can be made for. */
export function lastMonth(today = new Date()): string {
  const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
  return date.toISOString().slice(0, 7);
}

/** Yesterday (yyyy-mm-dd, UTC): the newest day the reconciliation has run for. */
export function yesterday(today = new Date()): string {
  return new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** "1 contact", "2 contacts", "1,200 active runs". */
export function counted(value: number, noun: string): string {
  return `${value.toLocaleString("en-US")} ${value === 1 ? noun : `${noun}s`}`;
}
