// Usage this month (and today) per metered product, as bars against the limits; owners and admins edit the plan
// and the limits.
import { useState, type FormEvent } from "react";
import { Panel, ProgressBar, QueryState, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useSetUsageLimits, useUsage } from "./api";
import { useDraft } from "./form";
import { SaveBar } from "./parts";
import { describePeriod, kindLabel, limitsToApi, limitsToForm, type Usage } from "./usage";

const PLANS: Usage["plan"][] = ["starter", "growth", "scale"];

export function UsageSettings() {
  const usage = useUsage();
  return (
    <QueryState query={usage}>
      {(data) => (
        <div className="stack">
          <UsageBars usage={data} />
          <Panel title="Plan and limits">
            <LimitsForm usage={data} key={JSON.stringify(limitsToForm(data))} />
          </Panel>
        </div>
      )}
    </QueryState>
  );
}

/** "2030-01" → "January 2030" (the API's month is UTC). */
function monthName(period: string): string {
  const date = new Date(`${period}-01T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? period
    : date.toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}

function UsageBars({ usage }: { usage: Usage }) {
  return (
    <Panel title={`Usage in ${monthName(usage.periods.month)}`}>
      <p className="muted">
        Plan: <strong>{usage.plan}</strong>. Counters reset at midnight UTC (day) and on the 1st (month).
      </p>
      <ul className="settings-usage">
        {Object.entries(usage.counters).map(([kind, counter]) => {
          const month = describePeriod(counter.month);
          const day = describePeriod(counter.day);
          return (
            <li key={kind} className={`stack tone-${month.tone}`}>
              <div className="row settings-usage-head">
                <strong>{kindLabel(kind)}</strong>
                <span>{month.text} this month</span>
              </div>
              <ProgressBar
                label={`${kindLabel(kind)} this month`}
                value={counter.month.used}
                max={counter.month.limit ?? 0}
              />
              <span className="muted">
                Today: {day.text}
                {counter.addon ? ` · includes an add-on of ${counter.addon.toLocaleString()} a month` : ""}
              </span>
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}

function LimitsForm({ usage }: { usage: Usage }) {
  const toast = useToast();
  const save = useSetUsageLimits();
  const draft = useDraft(limitsToForm(usage));
  const [typed, setTyped] = useState<Record<string, string>>({});
  const kinds = Object.keys(draft.values.limits);
  const fields = ["plan", ...kinds.flatMap((k) => [`limits/${k}/day`, `limits/${k}/month`])];
  const errors = formErrors(save.error, fields);
  const fieldError = (name: string) => typed[name] ?? errors.fields[name];
  const setLimit = (kind: string, period: "day" | "month", value: string) =>
    draft.set("limits", {
      ...draft.values.limits,
      [kind]: { ...(draft.values.limits[kind] ?? { day: "", month: "" }), [period]: value },
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: local } = limitsToApi(draft.saved, draft.values);
    setTyped(local);
    if (Object.keys(local).length > 0) return;
    save.mutate(body, {
      onSuccess: (saved) => {
        draft.commit(limitsToForm(saved));
        toast("Limits saved");
      },
    });
  };
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      <SelectField
        label="Plan"
        value={draft.values.plan}
        onChange={(e) => draft.set("plan", e.target.value as Usage["plan"])}
        error={errors.fields.plan}
      >
        {PLANS.map((plan) => (
          <option key={plan} value={plan}>
            {plan[0]?.toUpperCase() + plan.slice(1)}
          </option>
        ))}
      </SelectField>
      {kinds.map((kind) => (
        <fieldset key={kind} className="settings-fieldset">
          <legend>{kindLabel(kind)}</legend>
          <div className="settings-inline">
            <TextField
              label={`${kindLabel(kind)} per day`}
              inputMode="numeric"
              placeholder="Unlimited"
              value={draft.values.limits[kind]?.day ?? ""}
              onChange={(e) => setLimit(kind, "day", e.target.value)}
              error={fieldError(`limits/${kind}/day`)}
            />
            <TextField
              label={`${kindLabel(kind)} per month`}
              inputMode="numeric"
              placeholder="Unlimited"
              value={draft.values.limits[kind]?.month ?? ""}
              onChange={(e) => setLimit(kind, "month", e.target.value)}
              error={fieldError(`limits/${kind}/month`)}
              hint={usage.counters[kind]?.addon ? `Plus the add-on of ${usage.counters[kind]?.addon}` : undefined}
            />
          </div>
        </fieldset>
      ))}
      <p className="muted">
        Leave a limit empty for unlimited. Sends past a limit are refused, never dropped silently.
      </p>
      <SaveBar
        dirty={draft.dirty}
        saving={save.isPending}
        onDiscard={() => {
          setTyped({});
          draft.discard();
        }}
        error={errors.form}
      />
    </form>
  );
}
