// What to do with the selected contacts: tag, untag, enrol in a flow, delete or export, each run as a job whose
// progress is shown until it ends; or send them an email (BulkEmail).
import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { FormError, SelectField, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useToast } from "@/components/toast";
import { splitList } from "./filters";
import { usePublishedFlows, useStartBulk, useStartExport, type BulkBody } from "./api";
import { BulkEmail } from "./BulkEmail";
import { JobProgress } from "./JobProgress";

type JobAction = "tag" | "untag" | "enroll" | "delete";
type Action = JobAction | "email";

export interface Selection {
  count: number | null; // null: every matching contact (counted when the job starts)
  /** the ids (or the segment) the job applies to, resolved when it starts */
  resolve: () => Promise<{ contact_ids: string[] } | { segment_id: string }>;
}

export function BulkBar({ selection, onClear }: { selection: Selection; onClear: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [action, setAction] = useState<Action>("tag");
  const [tags, setTags] = useState("");
  const [flowId, setFlowId] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [job, setJob] = useState<{ id: string; label: string } | null>(null);
  const [resolving, setResolving] = useState(false);
  const [emailing, setEmailing] = useState(false);
  const bulk = useStartBulk();
  const exporter = useStartExport();
  const flows = usePublishedFlows(action === "enroll");
  const errors = formErrors(bulk.error ?? exporter.error, ["tags", "flow_id", "contact_ids", "segment_id"]);
  const [problem, setProblem] = useState<string | null>(null);

  const selectionLabel = selection.count === null ? "all matching contacts" : `${selection.count} contacts`;

  const resolve = async () => {
    setResolving(true);
    setProblem(null);
    try {
      return await selection.resolve();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      return null;
    } finally {
      setResolving(false);
    }
  };

  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (action === "email") return; // BulkEmail has its own form
    if (action === "delete" && !confirming) {
      setConfirming(true);
      return;
    }
    setConfirming(false);
    const target = await resolve();
    if (!target) return;
    const body: BulkBody = {
      action,
      ...target,
      ...(action === "tag" || action === "untag" ? { tags: splitList(tags) } : {}),
      ...(action === "enroll" ? { flow_id: flowId } : {}),
    };
    bulk.mutate(body, {
      onSuccess: (started) => setJob({ id: started.id, label: `${LABELS[action]} ${selectionLabel}` }),
    });
  };

  const exportSelection = async () => {
    const target = await resolve();
    if (!target) return;
    exporter.mutate(target, {
      onSuccess: (started) => setJob({ id: started.id, label: `Export of ${selectionLabel}` }),
    });
  };

  const finished = () => {
    void queryClient.invalidateQueries({ queryKey: ["contacts"] });
    void queryClient.invalidateQueries({ queryKey: ["tags"] });
    toast("The bulk action has finished");
  };

  return (
    <div className="panel bulk-bar stack" role="region" aria-label="Bulk actions">
      <form className="row bulk-form" onSubmit={(e) => void run(e)}>
        <strong>{selection.count === null ? "All matching contacts" : `${selection.count} selected`}</strong>
        <SelectField
          label="Action"
          value={action}
          disabled={emailing}
          onChange={(e) => {
            setAction(e.target.value as Action);
            setConfirming(false);
          }}
        >
          <option value="tag">Add tags</option>
          <option value="untag">Remove tags</option>
          <option value="enroll">Enrol in a flow</option>
          <option value="email">Send an email</option>
          <option value="delete">Delete</option>
        </SelectField>
        {action === "tag" || action === "untag" ? (
          <TextField
            label="Tags"
            value={tags}
            onChange={(e) => setTags(e.target.value)}
            placeholder="vip, webinar"
            error={errors.fields.tags}
          />
        ) : null}
        {action === "enroll" ? (
          <SelectField
            label="Flow"
            value={flowId}
            onChange={(e) => setFlowId(e.target.value)}
            error={errors.fields.flow_id}
          >
            <option value="">{flows.isPending ? "Loading flows…" : "Choose a published flow"}</option>
            {flows.data?.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </SelectField>
        ) : null}
        {action !== "email" ? (
          <button
            type="submit"
            className={action === "delete" ? "danger" : "primary"}
            disabled={bulk.isPending || resolving}
          >
            {confirming ? `Really delete ${selectionLabel}?` : "Apply"}
          </button>
        ) : null}
        <button type="button" onClick={() => void exportSelection()} disabled={exporter.isPending || resolving}>
          Export selected
        </button>
        <button type="button" className="ghost" onClick={onClear} disabled={emailing}>
          Clear selection
        </button>
      </form>
      {action === "email" ? <BulkEmail selection={selection} onSending={setEmailing} /> : null}
      {resolving ? <p className="muted">Collecting the matching contacts…</p> : null}
      <FormError message={problem ?? errors.form} />
      {job ? <JobProgress key={job.id} jobId={job.id} label={job.label} onFinished={finished} /> : null}
    </div>
  );
}

const LABELS: Record<JobAction, string> = {
  tag: "Tagging",
  untag: "Untagging",
  enroll: "Enrolling",
  delete: "Deleting",
};
