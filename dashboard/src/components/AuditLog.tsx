// An audit log (the workspace's or the platform's), newest first: filters by action, actor and time, and pages
// of 50 with "Show more". Both names appear when a platform administrator acted as a user.
import { useState, type FormEvent } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { formErrors } from "@/lib/forms";
import { EmptyState, ErrorState, FormError, Loading, TextField } from "./ui";

export type AuditEntry = Schemas["AuditEntry"];

interface Filters {
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
}

/** A datetime-local value ("2026-12-06T09:30") as the ISO instant the API takes; empty stays unset. */
export function instantOf(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** "role: member → admin; name: set" — what changed, short, for the table. */
export function describeChanges(changes: AuditEntry["changes"]): string {
  const show = (value: unknown) => (value === undefined || value === null ? "—" : JSON.stringify(value));
  return Object.entries(changes)
    .map(([field, change]) => `${field}: ${show(change.before)} → ${show(change.after)}`)
    .join("; ");
}

function person(who: { id: string; email?: string; type?: string }): string {
  return who.email ?? (who.type === "system" ? "LeadPilot" : who.id);
}

export function AuditLog({ scope }: { scope: "workspace" | "platform" }) {
  const [filters, setFilters] = useState<Filters>({});
  const [draft, setDraft] = useState({ action: "", actor: "", since: "", until: "" });
  const entries = useInfiniteQuery({
    queryKey: [scope === "platform" ? "platform" : "audit", "log", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const query = { ...filters, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) };
      return scope === "platform"
        ? unwrap(api.GET("/platform/audit", { params: { query } }))
        : unwrap(api.GET("/workspace/audit", { params: { query } }));
    },
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    retry: false,
  });
  const errors = formErrors(entries.error, ["action", "actor", "since", "until"]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next: Filters = {};
    if (draft.action.trim()) next.action = draft.action.trim();
    if (draft.actor.trim()) next.actor = draft.actor.trim();
    const since = instantOf(draft.since);
    const until = instantOf(draft.until);
    if (since) next.since = since;
    if (until) next.until = until;
    setFilters(next);
  };
  const items = entries.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="stack">
      <form className="row audit-filters" onSubmit={apply} aria-label="Filter the audit log">
        <TextField
          label="Action"
          placeholder="auth.login"
          value={draft.action}
          onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          error={errors.fields.action}
        />
        <TextField
          label="Actor ID"
          value={draft.actor}
          onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          error={errors.fields.actor}
        />
        <TextField
          label="Since"
          type="datetime-local"
          value={draft.since}
          onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          error={errors.fields.since}
        />
        <TextField
          label="Until"
          type="datetime-local"
          value={draft.until}
          onChange={(e) => setDraft({ ...draft, until: e.target.value })}
          error={errors.fields.until}
        />
        <button type="submit" className="primary">
          Filter
        </button>
      </form>
      {entries.isPending ? (
        <Loading />
      ) : entries.isError ? (
        Object.keys(errors.fields).length ? (
          <FormError message={errors.form} />
        ) : (
          <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
        )
      ) : items.length === 0 ? (
        <EmptyState>No entries match.</EmptyState>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Audit entries">
          <table className="audit-table">
            <caption className="muted">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Who</th>
                <th scope="col">Target</th>
                <th scope="col">From</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <time dateTime={entry.occurred_at}>{new Date(entry.occurred_at).toLocaleString()}</time>
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="ghost small"
                      title="Show only this actor's entries"
                      onClick={() => {
                        setDraft({ ...draft, actor: entry.actor.id });
                        setFilters({ ...filters, actor: entry.actor.id });
                      }}
                    >
                      {person(entry.actor)}
                    </button>
                    {entry.subject ? <span className="badge warning">as {person(entry.subject)}</span> : null}
                  </td>
                  <td>{entry.target ? `${entry.target.type ?? ""} ${entry.target.id ?? ""}`.trim() : "—"}</td>
                  <td>{entry.source_ip ?? "—"}</td>
                  <td className="audit-changes">{describeChanges(entry.changes) || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {entries.hasNextPage ? (
        <button type="button" onClick={() => void entries.fetchNextPage()} disabled={entries.isFetchingNextPage}>
          {entries.isFetchingNextPage ? "Loading…" : "Show more"}
        </button>
      ) : null}
    </div>
  );
}
