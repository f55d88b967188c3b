// One workspace: what it is and uses, then its controls — plan, limits and add-ons; suspend (with a reason) or
// reactivate; feature flags; "Log in as" one of its owners for support; and erasure behind a typed confirmation.
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { FormError, Modal, Panel, ProgressBar, QueryState, SelectField, TextArea, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { productLabel } from "@/components/UsageReport";
import { formErrors } from "@/lib/forms";
import { quantity } from "@/lib/money";
import {
  useDeleteWorkspace,
  useJob,
  useReactivate,
  useSetFlags,
  useStartImpersonation,
  useSuspend,
  useUpdateWorkspace,
  useWorkspace,
  type Usage,
  type WorkspaceDetail as Detail,
} from "./api";
import { counted, planChanges, planForm, statusTone, type PlanForm } from "./model";
import { beginSupport } from "./support";

export function WorkspaceDetail() {
  const { workspaceId = "" } = useParams();
  const workspace = useWorkspace(workspaceId);
  return (
    <div className="stack">
      <Link to="/admin/workspaces">← All workspaces</Link>
      <QueryState query={workspace}>{(data) => <DetailBody workspace={data} />}</QueryState>
    </div>
  );
}

function DetailBody({ workspace }: { workspace: Detail }) {
  const usage = workspace.limits as unknown as Usage;
  return (
    <div className="stack">
      <Panel
        title={
          <h2>
            {workspace.name} <span className={`badge ${statusTone(workspace.status)}`}>{workspace.status}</span>
          </h2>
        }
      >
        <dl className="admin-facts">
          <dt>ID</dt>
          <dd>{workspace.id}</dd>
          <dt>Plan</dt>
          <dd>{workspace.plan}</dd>
          <dt>Created</dt>
          <dd>{new Date(workspace.created_at).toLocaleDateString()}</dd>
          <dt>Owners</dt>
          <dd>{workspace.owners.map((o) => `${o.name} <${o.email}>`).join(", ") || "—"}</dd>
          <dt>Counts</dt>
          <dd>
            {counted(workspace.counts.contacts, "contact")} · {counted(workspace.counts.users, "user")} ·{" "}
            {counted(workspace.counts.flows, "flow")} · {counted(workspace.counts.active_runs, "active run")} ·{" "}
            {counted(workspace.counts.phone_numbers, "phone number")}
          </dd>
          {workspace.status === "suspended" ? (
            <>
              <dt>Suspended</dt>
              <dd>
                {workspace.suspended_reason ?? "—"}
                {workspace.suspended_at ? ` (since ${new Date(workspace.suspended_at).toLocaleString()})` : ""}
              </dd>
            </>
          ) : null}
        </dl>
      </Panel>
      <SuspensionPanel workspace={workspace} />
      <Panel title={`Plan, limits and add-ons (usage in ${usage.periods?.month ?? workspace.usage.month})`}>
        <PlanEditor workspace={workspace} usage={usage} key={JSON.stringify(planForm(usage))} />
      </Panel>
      <FlagsPanel workspace={workspace} />
      <LogInAsPanel workspace={workspace} />
      <DeletePanel workspace={workspace} />
    </div>
  );
}

function SuspensionPanel({ workspace }: { workspace: Detail }) {
  const suspend = useSuspend(workspace.id);
  const reactivate = useReactivate(workspace.id);
  const toast = useToast();
  const [reason, setReason] = useState("");
  const errors = formErrors(suspend.error, ["reason"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    suspend.mutate(reason, {
      onSuccess: () => {
        setReason("");
        toast("Workspace suspended");
      },
    });
  };
  if (workspace.status === "suspended") {
    return (
      <Panel title="Suspension">
        <p>
          Its users see why and cannot use the API; sends are refused and running automations are paused. Reactivating
          resumes the automations the suspension paused.
        </p>
        <FormError message={formErrors(reactivate.error).form} />
        <button
          type="button"
          className="primary"
          disabled={reactivate.isPending}
          onClick={() => reactivate.mutate(undefined, { onSuccess: () => toast("Workspace reactivated") })}
        >
          {reactivate.isPending ? "Reactivating…" : "Reactivate workspace"}
        </button>
      </Panel>
    );
  }
  return (
    <Panel title="Suspension">
      <form className="stack" onSubmit={submit}>
        <TextArea
          label="Reason for suspending"
          hint="The workspace's users see this reason."
          value={reason}
          required
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
          error={errors.fields.reason}
        />
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="danger" disabled={suspend.isPending || !reason.trim()}>
            {suspend.isPending ? "Suspending…" : "Suspend workspace"}
          </button>
        </div>
      </form>
    </Panel>
  );
}

const PLANS = ["starter", "growth", "scale"];

function PlanEditor({ workspace, usage }: { workspace: Detail; usage: Usage }) {
  const saved = planForm(usage);
  const [form, setForm] = useState<PlanForm>(saved);
  const [typed, setTyped] = useState<Record<string, string>>({});
  const update = useUpdateWorkspace(workspace.id);
  const toast = useToast();
  const shown = Object.keys(saved.kinds).flatMap((k) => [`limits/${k}/day`, `limits/${k}/month`, `addons/${k}`]);
  const server = formErrors(update.error, ["plan", ...shown]);
  const fieldError = (name: string) => typed[name] ?? server.fields[name];
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, errors } = planChanges(saved, form);
    setTyped(errors);
    if (Object.keys(errors).length) return;
    update.mutate(body, { onSuccess: () => toast("Plan and limits saved") });
  };
  const setKind = (kind: string, field: "day" | "month" | "addon", value: string) =>
    setForm({ ...form, kinds: { ...form.kinds, [kind]: { ...form.kinds[kind]!, [field]: value } } });
  return (
    <form className="stack" onSubmit={submit}>
      <SelectField
        label="Plan"
        value={form.plan}
        onChange={(e) => setForm({ ...form, plan: e.target.value })}
        error={server.fields.plan}
      >
        {PLANS.map((plan) => (
          <option key={plan} value={plan}>
            {plan}
          </option>
        ))}
      </SelectField>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Limits by product">
        <table className="admin-limits">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Used this month</th>
              <th scope="col">Day limit</th>
              <th scope="col">Month limit</th>
              <th scope="col">Monthly add-on</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(form.kinds).map(([kind, values]) => {
              const counter = usage.counters[kind];
              return (
                <tr key={kind}>
                  <th scope="row">{productLabel(kind)}</th>
                  <td>
                    {quantity(counter?.month.used ?? 0)}
                    {counter?.month.limit ? (
                      <ProgressBar
                        label={`${productLabel(kind)} used this month`}
                        value={counter.month.used}
                        max={counter.month.limit}
                      />
                    ) : null}
                  </td>
                  {(["day", "month"] as const).map((period) => (
                    <td key={period}>
                      <TextField
                        label={`${productLabel(kind)} ${period} limit`}
                        inputMode="numeric"
                        placeholder="Unlimited"
                        value={values[period]}
                        onChange={(e) => setKind(kind, period, e.target.value)}
                        error={fieldError(`limits/${kind}/${period}`)}
                      />
                    </td>
                  ))}
                  <td>
                    <TextField
                      label={`${productLabel(kind)} add-on`}
                      inputMode="numeric"
                      value={values.addon}
                      onChange={(e) => setKind(kind, "addon", e.target.value)}
                      error={fieldError(`addons/${kind}`)}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <FormError message={server.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={!dirty || update.isPending}>
          {update.isPending ? "Saving…" : "Save plan and limits"}
        </button>
        <button type="button" className="ghost" disabled={!dirty} onClick={() => setForm(saved)}>
          Discard
        </button>
      </div>
    </form>
  );
}

function FlagsPanel({ workspace }: { workspace: Detail }) {
  const setFlags = useSetFlags(workspace.id);
  const [name, setName] = useState("");
  const errors = formErrors(setFlags.error, ["flags"]);
  const flags = Object.entries(workspace.flags).sort(([a], [b]) => a.localeCompare(b));
  const add = (event: FormEvent) => {
    event.preventDefault();
    const flag = name.trim();
    if (!flag) return;
    setFlags.mutate({ [flag]: true }, { onSuccess: () => setName("") });
  };
  return (
    <Panel title="Feature flags">
      {flags.length === 0 ? <p className="muted">No flags set: every flag is off.</p> : null}
      <ul className="admin-flags">
        {flags.map(([flag, on]) => (
          <li key={flag} className="row">
            <label className="row">
              <input
                type="checkbox"
                checked={on}
                disabled={setFlags.isPending}
                onChange={(e) => setFlags.mutate({ [flag]: e.target.checked })}
              />
              <code>{flag}</code>
            </label>
            <button
              type="button"
              className="ghost small"
              disabled={setFlags.isPending}
              onClick={() => setFlags.mutate({ [flag]: null })}
              aria-label={`Clear flag ${flag}`}
            >
              Clear
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={add}>
        <TextField
          label="Turn on a flag"
          placeholder="flag_name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.flags}
        />
        <button type="submit" disabled={!name.trim() || setFlags.isPending}>
          Turn on
        </button>
      </form>
      <FormError message={errors.form} />
    </Panel>
  );
}

function LogInAsPanel({ workspace }: { workspace: Detail }) {
  const start = useStartImpersonation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [userId, setUserId] = useState(workspace.owners[0]?.user_id ?? "");
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState("30");
  const errors = formErrors(start.error, ["user_id", "reason", "minutes"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate(
      { workspace_id: workspace.id, user_id: userId, reason: reason.trim(), minutes: Number(minutes) },
      {
        onSuccess: (started) => {
          beginSupport(started);
          client.clear();
          navigate("/");
        },
      },
    );
  };
  if (workspace.status !== "active") return null;
  return (
    <Panel title="Log in as">
      <p className="muted">
        A support session acts as the user in this workspace only, with no platform powers. The workspace&apos;s owners
        see who, when and why.
      </p>
      <form className="stack" onSubmit={submit}>
        <div className="row">
          <SelectField
            label="User"
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            error={errors.fields.user_id}
          >
            {workspace.owners.map((owner) => (
              <option key={owner.user_id} value={owner.user_id}>
                {owner.name} ({owner.email})
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Session length"
            value={minutes}
            onChange={(e) => setMinutes(e.target.value)}
            error={errors.fields.minutes}
          >
            <option value="15">15 minutes</option>
            <option value="30">30 minutes</option>
            <option value="60">60 minutes</option>
          </SelectField>
        </div>
        <TextArea
          label="Reason for support access"
          hint="Required. The workspace's owners see it."
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={errors.fields.reason}
        />
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={start.isPending || !userId}>
            {start.isPending ? "Starting…" : "Log in as this user"}
          </button>
        </div>
      </form>
    </Panel>
  );
}

function DeletePanel({ workspace }: { workspace: Detail }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const erase = useDeleteWorkspace(workspace.id);
  const job = useJob(jobId);
  const errors = formErrors(erase.error);
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    erase.mutate(undefined, { onSuccess: (started) => setJobId(started.id) });
  };
  const close = () => {
    setOpen(false);
    setTyped("");
  };
  return (
    <Panel title="Delete workspace" className="admin-danger">
      <p>Erases the workspace and all its data for good: contacts, messages, automations, files. Users stay.</p>
      {jobId ? (
        <div className="stack" aria-live="polite">
          <ProgressBar label="Erasure progress" value={job.data?.progress_percent ?? 0} max={100} />
          <span>
            {job.data?.finished_at
              ? `Erasure ${job.data.status === "completed" ? "finished" : job.data.status.replace(/_/g, " ")}.`
              : `Erasing… ${job.data?.progress_percent ?? 0}%`}
          </span>
          {job.data?.finished_at ? <Link to="/admin/workspaces">Back to all workspaces</Link> : null}
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setOpen(true)}>
          Delete workspace…
        </button>
      )}
      {open && !jobId ? (
        <Modal title="Delete this workspace?" onClose={close}>
          <form className="stack" onSubmit={confirm}>
            <p>
              This cannot be undone. Type <strong>{workspace.name}</strong> to confirm.
            </p>
            <TextField
              label="Workspace name"
              value={typed}
              autoComplete="off"
              onChange={(e) => setTyped(e.target.value)}
            />
            <FormError message={errors.form} />
            <div className="row">
              <button type="submit" className="danger" disabled={typed !== workspace.name || erase.isPending}>
                {erase.isPending ? "Starting…" : "Delete for good"}
              </button>
              <button type="button" className="ghost" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        </Modal>
      ) : null}
    </Panel>
  );
}
