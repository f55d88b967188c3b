// The default plans: each plan's day and month allowance by product, as every workspace on it gets them unless
// the workspace has its own limits. Editing saves the platform's changes; "Back to the defaults" forgets them.
import { useState, type FormEvent } from "react";
import { EmptyState, FormError, Panel, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { productLabel } from "@/components/UsageReport";
import { formErrors } from "@/lib/forms";
import { usePlatformSettings, useSavePlatformSettings, type PlatformSettings } from "./api";
import { defaultPlansChanges, defaultPlansForm, type DefaultPlansForm } from "./model";

export function DefaultPlans() {
  const settings = usePlatformSettings();
  return (
    <QueryState query={settings}>
      {(data) =>
        Object.keys(data.plans).length === 0 ? (
          <EmptyState>No plans are defined.</EmptyState>
        ) : (
          // a new answer (saved here or elsewhere) starts the form again from what is in force
          <PlansEditor key={JSON.stringify(data.plans)} settings={data} />
        )
      }
    </QueryState>
  );
}

function PlansEditor({ settings }: { settings: PlatformSettings }) {
  const saved = defaultPlansForm(settings);
  const [form, setForm] = useState<DefaultPlansForm>(saved);
  const [typed, setTyped] = useState<Record<string, string>>({});
  const save = useSavePlatformSettings();
  const toast = useToast();
  const server = formErrors(
    save.error,
    Object.keys(saved).map((field) => `plans/${field}`),
  );
  const fieldError = (field: string) => typed[`plans/${field}`] ?? server.fields[`plans/${field}`];
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  const changedByPlatform = Object.keys(settings.plan_overrides).length > 0;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, errors } = defaultPlansChanges(settings, form);
    setTyped(errors);
    if (Object.keys(errors).length) return;
    save.mutate(body, { onSuccess: () => toast("Default plans saved") });
  };
  const reset = () => save.mutate({ plans: null }, { onSuccess: () => toast("Default plans restored") });
  return (
    <form className="stack" onSubmit={submit} aria-label="Default plans">
      {Object.entries(settings.plans).map(([plan, kinds]) => (
        <Panel key={plan} title={`${plan[0]?.toUpperCase() ?? ""}${plan.slice(1)} plan`}>
          <div className="table-scroll" tabIndex={0} role="region" aria-label={`${plan} allowances`}>
            <table className="admin-limits admin-plans">
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Per day</th>
                  <th scope="col">Per month</th>
                </tr>
              </thead>
              <tbody>
                {Object.keys(kinds).map((kind) => (
                  <tr key={kind}>
                    <th scope="row">
                      {productLabel(kind)}
                      {settings.plan_overrides[plan]?.[kind] ? <span className="muted"> (changed)</span> : null}
                    </th>
                    {(["day", "month"] as const).map((period) => {
                      const field = `${plan}/${kind}/${period}`;
                      return (
                        <td key={period}>
                          <TextField
                            label={`${plan} ${productLabel(kind)} per ${period}`}
                            inputMode="numeric"
                            placeholder="Unlimited"
                            value={form[field] ?? ""}
                            onChange={(e) => setForm({ ...form, [field]: e.target.value })}
                            error={fieldError(field)}
                          />
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Panel>
      ))}
      <p className="muted">Empty means unlimited. A workspace&apos;s own limits still come first.</p>
      <FormError message={server.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={!dirty || save.isPending}>
          {save.isPending ? "Saving…" : "Save default plans"}
        </button>
        <button type="button" className="ghost" disabled={!dirty} onClick={() => setForm(saved)}>
          Discard
        </button>
        {changedByPlatform ? (
          <button type="button" className="ghost" disabled={save.isPending} onClick={reset}>
            Back to the defaults
          </button>
        ) : null}
      </div>
    </form>
  );
}
