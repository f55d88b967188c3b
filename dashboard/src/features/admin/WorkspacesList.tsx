// Every workspace, newest first, 25 a page ("Show more"): plan, status, owners, counts and this month's usage.
// The filter narrows the pages already loaded by name, owner or id.
import { useState } from "react";
import { Link } from "react-router";
import { EmptyState, ErrorState, Loading, Panel, TextField } from "@/components/ui";
import { productLabel } from "@/components/UsageReport";
import { quantity } from "@/lib/money";
import { useWorkspaces, type PlatformWorkspace } from "./api";
import { counted, matchesWorkspace, statusTone } from "./model";

export function WorkspacesList() {
  const workspaces = useWorkspaces();
  const [filter, setFilter] = useState("");
  const all = workspaces.data?.pages.flatMap((page) => page.items) ?? [];
  const shown = all.filter((workspace) => matchesWorkspace(workspace, filter));
  return (
    <Panel title="Workspaces">
      <TextField
        label="Filter workspaces"
        type="search"
        placeholder="Name, owner email or ID"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        hint={workspaces.hasNextPage ? "Filters the workspaces loaded so far; show more to search further." : undefined}
      />
      {workspaces.isPending ? (
        <Loading />
      ) : workspaces.isError ? (
        <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />
      ) : shown.length === 0 ? (
        <EmptyState>{all.length ? "No workspace matches." : "No workspaces yet."}</EmptyState>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Workspaces table">
          <table className="admin-workspaces">
            <caption className="muted">Newest first</caption>
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col">Plan</th>
                <th scope="col">Status</th>
                <th scope="col">Owners</th>
                <th scope="col">Size</th>
                <th scope="col">This month</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((workspace) => (
                <WorkspaceRow key={workspace.id} workspace={workspace} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {workspaces.hasNextPage ? (
        <button type="button" onClick={() => void workspaces.fetchNextPage()} disabled={workspaces.isFetchingNextPage}>
          {workspaces.isFetchingNextPage ? "Loading…" : "Show more"}
        </button>
      ) : null}
    </Panel>
  );
}

function WorkspaceRow({ workspace }: { workspace: PlatformWorkspace }) {
  const used = Object.entries(workspace.usage.used).filter(([, value]) => value > 0);
  return (
    <tr>
      <td>
        <Link to={`/admin/workspaces/${workspace.id}`}>{workspace.name}</Link>
        <div className="muted admin-id">{workspace.id}</div>
      </td>
      <td>{workspace.plan}</td>
      <td>
        <span className={`badge ${statusTone(workspace.status)}`}>{workspace.status}</span>
      </td>
      <td>{workspace.owners.map((owner) => owner.email).join(", ") || "—"}</td>
      <td>
        {counted(workspace.counts.contacts, "contact")} · {counted(workspace.counts.users, "user")} ·{" "}
        {counted(workspace.counts.flows, "flow")} · {counted(workspace.counts.active_runs, "active run")}
      </td>
      <td>
        {used.length ? used.map(([kind, value]) => `${productLabel(kind)} ${quantity(value)}`).join(", ") : "No usage"}
      </td>
    </tr>
  );
}
