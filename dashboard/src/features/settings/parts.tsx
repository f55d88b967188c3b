// Pieces every settings form shares: the save bar that knows about unsaved edits, a guard against leaving with
// them, a confirmation dialog for what cannot be undone, and a labelled checkbox (a secret to copy is
// the shared CopyField).
import { useEffect, useId, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { useBlocker } from "react-router";
import { FormError, Modal, QueryState } from "@/components/ui";
import { isApiError } from "@/lib/api/errors";

export function SaveBar({
  dirty,
  saving,
  onDiscard,
  error,
  label = "Save changes",
}: {
  dirty: boolean;
  saving: boolean;
  onDiscard: () => void;
  error?: string | null;
  label?: string;
}) {
  return (
    <div className="stack">
      <FormError message={error} />
      <div className="row settings-save">
        <button type="submit" className="primary" disabled={!dirty || saving} aria-busy={saving}>
          {saving ? "Saving…" : label}
        </button>
        <button type="button" className="ghost" onClick={onDiscard} disabled={!dirty || saving}>
          Discard
        </button>
        {dirty ? <span className="badge warning">Unsaved changes</span> : null}
      </div>
      <UnsavedGuard dirty={dirty} />
    </div>
  );
}

/** Asks before leaving the screen (or the page) with edits that were not saved. */
export function UnsavedGuard({ dirty }: { dirty: boolean }) {
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  if (blocker.state !== "blocked") return null;
  return (
    <Modal title="Leave without saving?" onClose={() => blocker.reset()}>
      <div className="stack">
        <p>Your changes on this screen have not been saved.</p>
        <div className="row">
          <button type="button" className="danger" onClick={() => blocker.proceed()}>
            Leave and discard
          </button>
          <button type="button" onClick={() => blocker.reset()}>
            Stay
          </button>
        </div>
      </div>
    </Modal>
  );
}

/** A danger button that asks first, in a dialog naming what will happen. */
export function ConfirmButton({
  label,
  title,
  confirmLabel,
  children,
  onConfirm,
  busy = false,
}: {
  label: string;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  onConfirm: () => Promise<unknown>;
  busy?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    try {
      await onConfirm();
      setOpen(false);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : "Something went wrong");
    }
  };
  return (
    <>
      <button
        type="button"
        className="small"
        aria-label={label}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
      >
        {label.split(" ")[0]}
      </button>
      {open ? (
        <Modal title={title} onClose={() => setOpen(false)}>
          <div className="stack">
            {children}
            <FormError message={error} />
            <div className="row">
              <button type="button" className="danger" onClick={() => void confirm()} disabled={busy}>
                {confirmLabel}
              </button>
              <button type="button" onClick={() => setOpen(false)}>
                Cancel
              </button>
            </div>
          </div>
        </Modal>
      ) : null}
    </>
  );
}

export function Checkbox({
  label,
  error,
  ...input
}: { label: ReactNode; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="settings-check">
      <input
        id={id}
        type="checkbox"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...input}
      />
      <label htmlFor={id}>{label}</label>
      {error ? (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { dateStyle: "medium" });
}

type QueryProps<T> = Parameters<typeof QueryState<T>>[0];

/** QueryState, except that the API's refusal (403: not an owner or admin) is said plainly, with no retry. */
export function AdminQuery<T>(props: QueryProps<T>) {
  if (isApiError(props.query.error, 403)) {
    return (
      <p className="settings-warning" role="alert">
        Only owners and admins can see this: the server answered “{(props.query.error as Error).message}”.
      </p>
    );
  }
  return <QueryState {...props} />;
}
