// Applying a template to a sub-account, then its report. A small template is copied within the request; a large
// one is copied by a job whose progress is polled from the jobs API, and whose result is the same report.
import { useState, type FormEvent } from "react";
import { ErrorState, FormError, ProgressBar, SelectField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useApplyTemplate, useJob, type AgencyTemplate, type SubAccount } from "./api";
import { KIND_LABELS, outcomeCounts, reportOf, reportRows, type TemplateReport } from "./report";

export function ApplyTemplate({ template, subAccounts }: { template: AgencyTemplate; subAccounts: SubAccount[] }) {
  const apply = useApplyTemplate(template.id);
  const [target, setTarget] = useState("");
  const chosen = target || subAccounts[0]?.id || "";
  const errors = formErrors(apply.error, ["target_workspace_id"]);
  const answer = apply.data;
  if (subAccounts.length === 0) {
    return <p>Create a sub-account first: a template is applied to one of this agency’s sub-accounts.</p>;
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply.mutate({ target_workspace_id: chosen });
  };
  const targetName = subAccounts.find((s) => s.id === (answer?.target_workspace_id ?? chosen))?.name ?? "";
  return (
    <div className="stack">
      <form className="stack" onSubmit={submit} noValidate>
        <SelectField
          label="Apply to"
          value={chosen}
          onChange={(e) => {
            setTarget(e.target.value);
            apply.reset();
          }}
          error={errors.fields.target_workspace_id}
          hint="What the sub-account already has (same name) is skipped, so applying twice copies nothing twice."
        >
          {subAccounts.map((sub) => (
            <option key={sub.id} value={sub.id}>
              {sub.name}
            </option>
          ))}
        </SelectField>
        <FormError message={errors.form} />
        <div>
          <button type="submit" className="primary" disabled={apply.isPending}>
            {apply.isPending ? "Applying…" : "Apply template"}
          </button>
        </div>
      </form>
      {answer?.status === "completed" ? <Report report={answer} targetName={targetName} /> : null}
      {answer?.status === "queued" && answer.job_id ? <ApplyJob jobId={answer.job_id} targetName={targetName} /> : null}
    </div>
  );
}

function ApplyJob({ jobId, targetName }: { jobId: string; targetName: string }) {
  const job = useJob(jobId);
  if (job.isError) return <ErrorState error={job.error} onRetry={() => void job.refetch()} />;
  const data = job.data;
  const report = data?.finished_at ? reportOf(data.result) : null;
  if (report) return <Report report={report} targetName={targetName} />;
  return (
    <div className="stack" aria-live="polite">
      <p>
        <strong>Copying into {targetName}</strong>{" "}
        <span className={`badge ${data?.status === "failed" ? "danger" : "accent"}`}>
          {data?.status === "failed" ? "Failed" : data?.status === "running" ? "Running" : "Queued"}
        </span>
      </p>
      <ProgressBar value={data?.progress_percent ?? 0} max={100} label="Template copy progress" />
      {data ? (
        <p className="muted">
          {data.processed} of {data.total} things · {data.succeeded} copied · {data.skipped} skipped · {data.failed}{" "}
          failed
        </p>
      ) : null}
    </div>
  );
}

const OUTCOME_BADGE = { copied: "success", skipped: "accent", failed: "danger" } as const;
const OUTCOME_LABEL = { copied: "Copied", skipped: "Skipped", failed: "Failed" } as const;

export function Report({ report, targetName }: { report: TemplateReport; targetName: string }) {
  const counts = outcomeCounts(report);
  const rows = reportRows(report);
  return (
    <section className="stack agency-report" aria-label="Template report">
      <h3>Report for {targetName}</h3>
      <p role="status">
        {counts.copied} copied · {counts.skipped} skipped · {counts.failed} failed
      </p>
      {rows.length === 0 ? (
        <p className="muted">The template holds nothing to copy.</p>
      ) : (
        <div className="table-scroll agency-report-table">
          <table aria-label="What was copied">
            <thead>
              <tr>
                <th scope="col">Thing</th>
                <th scope="col">Kind</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.outcome}-${row.kind}-${row.name}`}>
                  <th scope="row" className="agency-name">
                    {row.name}
                  </th>
                  <td>{KIND_LABELS[row.kind].one}</td>
                  <td>
                    <span className={`badge ${OUTCOME_BADGE[row.outcome]}`}>{OUTCOME_LABEL[row.outcome]}</span>
                    {row.reason ? <span className="muted"> {row.reason}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.copied.flows.length > 0 ? (
        <p className="muted">Copied flows arrive as drafts: the client reviews and publishes them.</p>
      ) : null}
    </section>
  );
}
