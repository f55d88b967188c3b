// A running job (import, export, bulk action): progress bar polled from GET /jobs/{id}, the counts when it ends,
// its per-row errors, and for an export the download link.
import { useEffect, useRef } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { ErrorState, ProgressBar } from "@/components/ui";
import { useJob, useJobErrors, type Job } from "./api";
import { TableScroll } from "./TableScroll";

const DONE_LABEL: Record<string, string> = {
  completed: "Done",
  completed_with_errors: "Done, with errors",
  failed: "Failed",
};

export function JobProgress({
  jobId,
  label,
  onFinished,
}: {
  jobId: string;
  label: string;
  onFinished?: (job: Job) => void;
}) {
  const job = useJob(jobId);
  const finished = Boolean(job.data?.finished_at);
  const errors = useJobErrors(jobId, finished && (job.data?.failed ?? 0) + (job.data?.skipped ?? 0) > 0);
  const reported = useRef(false);
  useEffect(() => {
    if (finished && job.data && !reported.current) {
      reported.current = true;
      onFinished?.(job.data);
    }
  }, [finished, job.data, onFinished]);

  if (job.isError) return <ErrorState error={job.error} onRetry={() => void job.refetch()} />;
  const data = job.data;
  const percent = data?.progress_percent ?? 0;
  return (
    <div className="stack job-progress" aria-live="polite">
      <div className="row">
        <strong>{label}</strong>
        <span className={`badge ${data?.status === "failed" ? "danger" : finished ? "success" : "accent"}`}>
          {data ? (DONE_LABEL[data.status] ?? (data.status === "queued" ? "Queued" : "Running")) : "Starting"}
        </span>
      </div>
      <ProgressBar value={percent} max={100} label={`${label} progress`} />
      {data ? (
        <p className="muted" data-testid="job-counts">
          {data.processed} of {data.total} processed · {data.succeeded} succeeded · {data.skipped} skipped ·{" "}
          {data.failed} failed
        </p>
      ) : null}
      {data?.status === "failed" ? (
        <p className="field-error">{String((data.result as Record<string, unknown>).reason ?? "The job failed")}</p>
      ) : null}
      {finished && data?.type === "export" ? <DownloadLink jobId={jobId} /> : null}
      {errors.data && errors.data.items.length > 0 ? (
        <TableScroll label="Rows with errors">
          <table aria-label="Rows with errors">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {errors.data.items.map((e) => (
                <tr key={`${e.row}-${e.field ?? ""}`}>
                  <td>{e.row}</td>
                  <td>{e.field ?? "—"}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </div>
  );
}

function DownloadLink({ jobId }: { jobId: string }) {
  const queryClient = useQueryClient();
  const link = useQuery({
    queryKey: ["jobs", jobId, "download"],
    queryFn: () => unwrap(api.GET("/jobs/{job_id}/download", { params: { path: { job_id: jobId } } })),
    staleTime: 10 * 60_000, // the link lives 15 minutes
  });
  useEffect(() => () => queryClient.removeQueries({ queryKey: ["jobs", jobId, "download"] }), [queryClient, jobId]);
  if (link.isPending) return <span className="muted">Preparing the download…</span>;
  if (link.isError) return <ErrorState error={link.error} onRetry={() => void link.refetch()} />;
  return (
    <a className="button primary" href={link.data.url} download>
      Download CSV ({link.data.rows ?? 0} rows)
    </a>
  );
}
