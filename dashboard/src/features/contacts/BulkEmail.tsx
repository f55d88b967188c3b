// The bulk bar's "Send an email": a subject and a markdown body sent to the selected contacts, 100 a request, with
// the progress while the requests go out and, at the end, how many were emailed and why the others were not.
import { useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { FormError, ProgressBar, TextArea, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { segmentContactIds, useSendBulkEmail } from "./api";
import {
  emailChunks,
  emailSummary,
  sendChunks,
  sendIdFor,
  tally,
  type EmailOutcome,
  type SendAttempt,
} from "./emailBatches";
import type { Selection } from "./BulkBar";

interface Progress {
  total: number;
  outcomes: EmailOutcome[];
  stopped: boolean;
}

export function BulkEmail({ selection, onSending }: { selection: Selection; onSending: (busy: boolean) => void }) {
  const toast = useToast();
  const send = useSendBulkEmail();
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [phase, setPhase] = useState<"idle" | "collecting" | "sending">("idle");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const previous = useRef<SendAttempt | null>(null);
  const errors = formErrors(error, ["subject", "body", "from", "contact_ids"]);
  const busy = phase !== "idle";
  const recipients =
    selection.count === null
      ? "all matching contacts"
      : `${selection.count} contact${selection.count === 1 ? "" : "s"}`;

  const collect = async (): Promise<string[]> => {
    const target = await selection.resolve();
    return "segment_id" in target ? segmentContactIds(target.segment_id) : target.contact_ids;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setProgress(null);
    setPhase("collecting");
    onSending(true);
    try {
      const ids = await collect();
      if (ids.length === 0) throw new Error("No contacts match: nobody to email.");
      const fingerprint = JSON.stringify([subject, body, ids]);
      const sendId = sendIdFor(previous.current, fingerprint);
      const chunks = emailChunks(ids, sendId);
      const total = chunks.reduce((sum, chunk) => sum + chunk.contactIds.length, 0);
      setPhase("sending");
      setProgress({ total, outcomes: [], stopped: false });
      const run = await sendChunks(
        chunks,
        (chunk) =>
          send.mutateAsync({ contact_ids: chunk.contactIds, subject, body, idempotency_key: chunk.idempotencyKey }),
        (outcomes) => setProgress({ total, outcomes, stopped: false }),
      );
      const stopped = run.error !== null;
      const conflicts = run.outcomes.some((outcome) => outcome.error?.code === "conflict");
      previous.current = { fingerprint, sendId, unfinished: stopped || conflicts };
      setProgress({ total, outcomes: run.outcomes, stopped });
      setError(run.error);
      if (!stopped) toast(emailSummary(tally(run.outcomes), total));
    } catch (failure) {
      setError(failure);
    } finally {
      setPhase("idle");
      onSending(false);
    }
  };

  return (
    <form className="stack bulk-email" aria-label="Email to send" onSubmit={(e) => void submit(e)}>
      <TextField
        label="Subject"
        value={subject}
        maxLength={300}
        required
        onChange={(e) => setSubject(e.target.value)}
        error={errors.fields.subject}
      />
      <TextArea
        label="Body"
        rows={5}
        value={body}
        required
        onChange={(e) => setBody(e.target.value)}
        error={errors.fields.body}
        hint="Markdown: **bold**, *italic*, [link](https://…), - lists. {{first_name|there}} fills in each contact's first name, or “there” without one."
      />
      {errors.fields.from ? (
        <div className="form-error" role="alert">
          From: {errors.fields.from}. <Link to="/settings/email">Set the email sender</Link>
        </div>
      ) : null}
      <FormError message={errors.fields.contact_ids ?? errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Sending…" : `Send to ${recipients}`}
        </button>
        {phase === "collecting" ? <span className="muted">Collecting the matching contacts…</span> : null}
      </div>
      {progress && (progress.outcomes.length > 0 || !progress.stopped) ? (
        <EmailProgress progress={progress} sending={phase === "sending"} />
      ) : null}
    </form>
  );
}

function EmailProgress({ progress, sending }: { progress: Progress; sending: boolean }) {
  const counted = tally(progress.outcomes);
  const label = `Emailing ${progress.total} contact${progress.total === 1 ? "" : "s"}`;
  return (
    <div className="stack job-progress" aria-live="polite">
      <div className="row">
        <strong>{label}</strong>
        <span className={`badge ${progress.stopped ? "danger" : sending ? "accent" : "success"}`}>
          {progress.stopped ? "Stopped" : sending ? "Sending" : "Done"}
        </span>
      </div>
      <ProgressBar value={counted.answered} max={progress.total} label={`${label} progress`} />
      {sending ? (
        <p className="muted">
          {counted.answered} of {progress.total} contacts done…
        </p>
      ) : (
        <p>{emailSummary(counted, progress.total, progress.stopped)}</p>
      )}
    </div>
  );
}
