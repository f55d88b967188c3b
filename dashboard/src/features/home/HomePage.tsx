// Home: what needs the user today. Five panels load in parallel, each with its own loading, empty and error
// state: my tasks due today or overdue, unread conversations, pipeline totals, automation activity and usage.
// Part of the first download, so it stays small and draws no charts.
import { useQueries, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";
import { Page, Panel, ProgressBar, QueryState } from "@/components/ui";
import "./home.css";

export function HomePage() {
  return (
    <Page title="Home">
      <div className="grid home-grid">
        <TasksPanel />
        <ConversationsPanel />
        <PipelinesPanel />
        <AutomationPanel />
        <UsagePanel />
      </div>
    </Page>
  );
}

/** The end of the user's today, as an instant: tasks due before it are due today or overdue. */
export function endOfToday(now = new Date()): string {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).toISOString();
}

function money(amounts: Record<string, string> | undefined): string {
  const parts = Object.entries(amounts ?? {})
    .filter(([, v]) => Number(v) !== 0)
    .map(([currency, v]) =>
      new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(Number(v)),
    );
  return parts.join(" + ") || "—";
}

function TasksPanel() {
  const refetchInterval = usePolling();
  const tasks = useQuery({
    queryKey: ["home", "tasks"],
    refetchInterval,
    queryFn: () =>
      unwrap(api.GET("/tasks", { params: { query: { view: "mine", due_before: endOfToday(), limit: 20 } } })),
  });
  const now = tasks.dataUpdatedAt; // overdue as of the answer (render stays pure)
  return (
    <Panel title="My tasks today" actions={<Link to="/tasks">All tasks</Link>}>
      <QueryState query={tasks} isEmpty={(d) => d.items.length === 0} empty="Nothing due today.">
        {(d) => (
          <ul className="home-list" aria-label="Tasks due today or overdue">
            {d.items.map((task) => {
              const overdue = task.due_at !== null && new Date(task.due_at).getTime() < now;
              return (
                <li key={task.id}>
                  <span>{task.title}</span>
                  <span className={overdue ? "badge danger" : "badge"}>
                    {overdue ? "Overdue" : new Date(task.due_at ?? now).toLocaleTimeString([], { timeStyle: "short" })}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}

function ConversationsPanel() {
  const refetchInterval = usePolling();
  const conversations = useQuery({
    queryKey: ["home", "conversations"],
    refetchInterval,
    queryFn: () => unwrap(api.GET("/conversations", { params: { query: { limit: 20 } } })),
  });
  const unread = (conversations.data?.items ?? []).filter((c) => c.unread > 0).slice(0, 5);
  const contacts = useQueries({
    queries: unread.map((c) => ({
      queryKey: ["contacts", c.contact_id],
      staleTime: 5 * 60_000,
      queryFn: () => unwrap(api.GET("/contacts/{contact_id}", { params: { path: { contact_id: c.contact_id } } })),
    })),
  });
  const nameOf = (i: number) => {
    const c = contacts[i]?.data;
    return c ? [c.first_name, c.last_name].filter(Boolean).join(" ") || c.phone || c.email || "Contact" : "…";
  };
  return (
    <Panel
      title={
        <h2>
          Unread conversations{" "}
          {conversations.data?.unread_total ? <span className="count">{conversations.data.unread_total}</span> : null}
        </h2>
      }
      actions={<Link to="/inbox">Inbox</Link>}
    >
      <QueryState
        query={conversations}
        isEmpty={(d) => d.unread_total === 0 && unread.length === 0}
        empty="All caught up."
      >
        {() => (
          <ul className="home-list" aria-label="Unread conversations">
            {unread.map((c, i) => (
              <li key={c.contact_id}>
                <Link to={`/inbox/${c.contact_id}`}>{nameOf(i)}</Link>
                <span className="muted home-snippet">{c.last_body}</span>
                <span className="count">{c.unread}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}

function PipelinesPanel() {
  const pipelines = useQuery({
    queryKey: ["home", "pipelines"],
    queryFn: () => unwrap(api.GET("/pipelines", { params: { query: { limit: 5 } } })),
  });
  const refetchInterval = usePolling();
  // Each board's totals come from the server's counters; one card per stage is the least a board request reads.
  const boards = useQueries({
    queries: (pipelines.data?.items ?? []).map((p) => ({
      queryKey: ["home", "board", p.id],
      refetchInterval,
      queryFn: () =>
        unwrap(
          api.GET("/pipelines/{pipeline_id}/board", { params: { path: { pipeline_id: p.id }, query: { limit: 1 } } }),
        ),
    })),
  });
  return (
    <Panel title="Pipelines" actions={<Link to="/pipelines">Board</Link>}>
      <QueryState query={pipelines} isEmpty={(d) => d.items.length === 0} empty="No pipeline yet.">
        {(d) => (
          <div className="home-table">
            <table>
              <caption className="sr-only">Open deals by pipeline</caption>
              <thead>
                <tr>
                  <th scope="col">Pipeline</th>
                  <th scope="col">Open</th>
                  <th scope="col">Value</th>
                  <th scope="col">Weighted</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((p, i) => {
                  const totals = boards[i]?.data?.totals.open;
                  const failed = boards[i]?.isError;
                  return (
                    <tr key={p.id}>
                      <th scope="row">
                        <Link to={`/pipelines/${p.id}`}>{p.name}</Link>
                      </th>
                      <td>{failed ? "!" : (totals?.count ?? "…")}</td>
                      <td>{failed ? "Could not load" : totals ? money(totals.value) : "…"}</td>
                      <td>{totals ? money(totals.weighted_value) : ""}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </Panel>
  );
}

const RUN_BADGE: Record<Schemas["Run"]["status"], string> = {
  running: "accent",
  paused: "warning",
  succeeded: "success",
  failed: "danger",
  cancelled: "",
  timed_out: "danger",
};

function AutomationPanel() {
  const refetchInterval = usePolling();
  const runs = useQuery({
    queryKey: ["home", "runs"],
    refetchInterval,
    queryFn: () => unwrap(api.GET("/runs", { params: { query: { limit: 6 } } })),
  });
  const flows = useQuery({
    queryKey: ["home", "flows"],
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET("/flows", { params: { query: { limit: 100 } } })),
  });
  const flowName = (id: string) => flows.data?.items.find((f) => f.id === id)?.name ?? "A flow";
  return (
    <Panel title="Automation activity" actions={<Link to="/automations">Automations</Link>}>
      <QueryState query={runs} isEmpty={(d) => d.items.length === 0} empty="No automation has run yet.">
        {(d) => (
          <ul className="home-list" aria-label="Recent automation runs">
            {d.items.map((run) => (
              <li key={run.id}>
                <span>{flowName(run.flow_id)}</span>
                <span className="muted">
                  {new Date(run.updated_at).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}
                </span>
                <span className={`badge ${RUN_BADGE[run.status]}`}>{run.status.replace("_", " ")}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}

const KIND_LABELS: Record<string, string> = {
  sms_segments: "SMS segments",
  emails: "Emails",
  voice_minutes: "Voice minutes",
  ai_tokens: "AI tokens",
};

function UsagePanel() {
  const usage = useQuery({ queryKey: ["usage"], queryFn: () => unwrap(api.GET("/usage")) });
  return (
    <Panel title="Usage this month" actions={<Link to="/settings/usage">Limits</Link>}>
      <QueryState query={usage}>
        {(d) => (
          <ul className="home-list usage-list" aria-label={`Usage in ${d.periods.month}`}>
            {Object.entries(d.counters).map(([kind, counter]) => {
              const label = KIND_LABELS[kind] ?? kind;
              const { used, limit } = counter.month;
              return (
                <li key={kind} className="stack">
                  <div className="row usage-head">
                    <span>{label}</span>
                    <span className="muted">
                      {used.toLocaleString()} {limit === null ? "· unlimited" : `of ${limit.toLocaleString()}`}
                    </span>
                  </div>
                  {limit !== null ? <ProgressBar value={used} max={limit} label={`${label} used this month`} /> : null}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}
