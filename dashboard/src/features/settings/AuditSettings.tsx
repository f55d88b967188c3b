// The workspace's security record: how long audit entries are kept (owners change it), when LeadPilot support
// acted as a member ("Support access"), the audit log itself, and the usage report from the ledger.
import { useState, type FormEvent } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AuditLog } from "@/components/AuditLog";
import { UsageReport } from "@/components/UsageReport";
import { EmptyState, ErrorState, FormError, Loading, Panel, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { api, unwrap } from "@/lib/api/client";
import { formErrors } from "@/lib/forms";

export function AuditSettings() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/me")), staleTime: 5 * 60_000 });
  return (
    <div className="stack">
      <RetentionPanel owner={me.data?.role === "owner"} />
      <SupportAccessPanel />
      <Panel title="Audit log">
        <AuditLog scope="workspace" />
      </Panel>
    </div>
  );
}

export function UsageReportSettings() {
  return <UsageReport scope="workspace" title="Usage report" />;
}

function RetentionPanel({ owner }: { owner: boolean }) {
  const settings = useQuery({
    queryKey: ["audit", "settings"],
    queryFn: () => unwrap(api.GET("/workspace/audit-settings")),
  });
  return (
    <Panel title="Audit retention">
      <QueryState query={settings}>
        {(data) => <RetentionForm days={data.retention_days} owner={owner} key={data.retention_days} />}
      </QueryState>
    </Panel>
  );
}

function RetentionForm({ days, owner }: { days: number; owner: boolean }) {
  const [value, setValue] = useState(String(days));
  const client = useQueryClient();
  const toast = useToast();
  const save = useMutation({
    mutationFn: (retention_days: number) => unwrap(api.PUT("/workspace/audit-settings", { body: { retention_days } })),
    onSuccess: (data) => {
      client.setQueryData(["audit", "settings"], data);
      void client.invalidateQueries({ queryKey: ["audit", "log"] });
      toast("Audit retention saved");
    },
  });
  const errors = formErrors(save.error, ["retention_days"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(Number(value));
  };
  return (
    <form className="stack settings-form" onSubmit={submit}>
      <TextField
        label="Keep audit entries for (days)"
        type="number"
        min={30}
        max={3650}
        value={value}
        disabled={!owner}
        onChange={(e) => setValue(e.target.value)}
        error={errors.fields.retention_days}
        hint={
          owner
            ? "30 to 3,650 days; applies to entries written from now on."
            : "Only the workspace's owners change this."
        }
      />
      <FormError message={errors.form} />
      {owner ? (
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending || value === String(days)}>
            {save.isPending ? "Saving…" : "Save retention"}
          </button>
        </div>
      ) : null}
    </form>
  );
}

const STATUS_TONE: Record<string, string> = { active: "warning", ended: "success", expired: "" };

function SupportAccessPanel() {
  const access = useInfiniteQuery({
    queryKey: ["support-access"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/workspace/support-access", { params: { query: pageParam ? { cursor: pageParam } : {} } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  const items = access.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Panel title="Support access">
      <p className="muted">When LeadPilot support signed in as a member of this workspace, and why.</p>
      {access.isPending ? (
        <Loading />
      ) : access.isError ? (
        <ErrorState error={access.error} onRetry={() => void access.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>Support has never accessed this workspace.</EmptyState>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Support sessions">
          <table>
            <caption className="muted">Support sessions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Support</th>
                <th scope="col">As</th>
                <th scope="col">Reason</th>
                <th scope="col">Ended</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>{new Date(item.started_at).toLocaleString()}</td>
                  <td>{item.admin.email}</td>
                  <td>{item.user.email}</td>
                  <td>{item.reason}</td>
                  <td>{new Date(item.ended_at ?? item.expires_at).toLocaleString()}</td>
                  <td>
                    <span className={`badge ${STATUS_TONE[item.status] ?? ""}`}>{item.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {access.hasNextPage ? (
        <button type="button" onClick={() => void access.fetchNextPage()} disabled={access.isFetchingNextPage}>
          Show more
        </button>
      ) : null}
    </Panel>
  );
}
