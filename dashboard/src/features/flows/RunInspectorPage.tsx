// The run inspector: a flow's runs by status (select many for bulk controls), and the chosen run drawn on the
// canvas, each node coloured by what happened, with its controls and step log. Per-node counts come from the
// flow's metrics. Live: refetched on live events, polled while the socket is down, closely while a run moves.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ReactFlowProvider } from "@xyflow/react";
import { EmptyState, ErrorState, Loading, Page, SelectField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { messageOf } from "@/lib/api/errors";
import {
  RUN_STATUSES,
  documentOf,
  useBulkRuns,
  useFlow,
  useFlowMetrics,
  useFlowVersions,
  useRun,
  useRunControl,
  useRunSteps,
  useRuns,
  type Run,
  type RunAction,
  type RunStatus,
  type RunStep,
} from "./api";
import { FlowCanvas } from "./canvas/FlowCanvas";
import { createDecorationStore, type Decoration } from "./canvas/decorations";
import { initialGraph } from "./model/initialGraph";
import { nodeStatuses } from "./model/runStatus";
import type { FlowDocument } from "./model/types";

const STATUS_BADGE: Record<string, string> = {
  running: "accent",
  paused: "warning",
  succeeded: "success",
  failed: "danger",
  timed_out: "danger",
  cancelled: "",
};

export default function RunInspectorPage() {
  const { flowId = "", runId } = useParams();
  const flow = useFlow(flowId);
  const versions = useFlowVersions(flowId);
  const run = useRun(runId);
  const [status, setStatus] = useState<RunStatus | "">("");
  const title = flow.data ? `Runs · ${flow.data.name}` : "Runs";
  if (flow.isPending)
    return (
      <Page title="Runs">
        <Loading label="Loading the flow" />
      </Page>
    );
  if (flow.isError)
    return (
      <Page title="Runs">
        <ErrorState error={flow.error} onRetry={() => void flow.refetch()} />
      </Page>
    );
  const version = run.data?.version ?? flow.data.published_version;
  const published = versions.data?.items.find((v) => v.version === version)?.document as FlowDocument | undefined;
  const doc = published ?? documentOf(flow.data);
  return (
    <Page
      title={title}
      actions={
        <Link className="button" to={`/automations/${flowId}`}>
          Open builder
        </Link>
      }
    >
      <div className="run-inspector">
        <RunList flowId={flowId} runId={runId} status={status} onStatus={setStatus} />
        <ReactFlowProvider>
          <RunCanvas key={`${version}`} flowId={flowId} doc={doc} run={run.data} runId={runId} />
        </ReactFlowProvider>
        <aside className="flow-side panel" aria-label="Run details">
          {!runId ? (
            <EmptyState>Choose a run to see its steps on the canvas.</EmptyState>
          ) : run.isPending ? (
            <Loading label="Loading the run" />
          ) : run.isError ? (
            <ErrorState error={run.error} onRetry={() => void run.refetch()} />
          ) : (
            <RunDetails run={run.data} nodeIds={doc.nodes.map((n) => n.id)} />
          )}
        </aside>
      </div>
    </Page>
  );
}

function RunList({
  flowId,
  runId,
  status,
  onStatus,
}: {
  flowId: string;
  runId: string | undefined;
  status: RunStatus | "";
  onStatus: (s: RunStatus | "") => void;
}) {
  const runs = useRuns(flowId, status);
  const bulk = useBulkRuns(flowId);
  const toast = useToast();
  const navigate = useNavigate();
  const [picked, setChosen] = useState<Set<string>>(new Set());
  const items = useMemo(() => runs.data?.items ?? [], [runs.data]);
  // Runs that left the list (another filter, or gone) are no longer selected.
  const chosen = useMemo(() => new Set(items.filter((r) => picked.has(r.id)).map((r) => r.id)), [items, picked]);

  const apply = async (action: RunAction) => {
    try {
      const result = await bulk.mutateAsync({ action, run_ids: [...chosen] });
      toast(`${action}: ${result.succeeded} done${result.failed ? `, ${result.failed} refused` : ""}`);
      setChosen(new Set());
    } catch (error) {
      toast(messageOf(error), "error");
    }
  };
  const allChosen = items.length > 0 && items.every((r) => chosen.has(r.id));

  return (
    <section className="run-list panel stack" aria-label="Runs">
      <SelectField label="Status" value={status} onChange={(e) => onStatus(e.target.value as RunStatus | "")}>
        <option value="">All runs</option>
        {RUN_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s.replace("_", " ")}
          </option>
        ))}
      </SelectField>
      <div className="row" role="group" aria-label="Bulk controls">
        <span className="muted">{chosen.size} selected</span>
        {(["pause", "resume", "cancel"] as const).map((action) => (
          <button
            key={action}
            type="button"
            className={`small ${action === "cancel" ? "danger" : ""}`}
            disabled={!chosen.size || bulk.isPending}
            onClick={() => void apply(action)}
          >
            {action[0]!.toUpperCase() + action.slice(1)} selected
          </button>
        ))}
      </div>
      {runs.isPending ? (
        <Loading label="Loading runs" />
      ) : runs.isError ? (
        <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>{status ? `No ${status.replace("_", " ")} runs.` : "No runs yet: enrol a contact."}</EmptyState>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all runs"
                  checked={allChosen}
                  onChange={() => setChosen(allChosen ? new Set() : new Set(items.map((r) => r.id)))}
                />
              </th>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Step</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} className={r.id === runId ? "current" : ""}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select run ${r.id}`}
                    checked={chosen.has(r.id)}
                    onChange={() =>
                      setChosen((old) => {
                        const next = new Set(old);
                        if (next.has(r.id)) next.delete(r.id);
                        else next.add(r.id);
                        return next;
                      })
                    }
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="ghost small"
                    aria-current={r.id === runId ? "true" : undefined}
                    onClick={() => navigate(`/automations/${flowId}/runs/${r.id}`)}
                  >
                    {new Date(r.started_at).toLocaleString()}
                  </button>
                </td>
                <td>
                  <span className={`badge ${STATUS_BADGE[r.status] ?? ""}`}>{r.status.replace("_", " ")}</span>
                </td>
                <td className="muted">{r.current_node ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RunCanvas({
  flowId,
  doc,
  run,
  runId,
}: {
  flowId: string;
  doc: FlowDocument;
  run: Run | undefined;
  runId: string | undefined;
}) {
  const graph = useMemo(() => initialGraph(doc), [doc]);
  const [decorations] = useState(createDecorationStore);
  const metrics = useFlowMetrics(flowId);
  const steps = useRunSteps(runId, run?.status === "running");
  const stepCount = steps.data?.items.length ?? 0;
  const refetchMetrics = metrics.refetch;
  useEffect(() => {
    // A new step moved a node's counters: read them again with it.
    if (stepCount) void refetchMetrics();
  }, [stepCount, refetchMetrics]);
  useEffect(() => {
    const next = new Map<string, Decoration>();
    const counts = metrics.data?.nodes ?? {};
    for (const node of graph.nodes) {
      const count = counts[node.id];
      next.set(node.id, count ? { count } : {});
    }
    if (run && steps.data) {
      const ids = graph.nodes.map((n) => n.id);
      const trigger = graph.nodes.find((n) => n.data.type === "trigger")?.id;
      for (const [id, status] of nodeStatuses(ids, trigger, steps.data.items, run)) {
        next.set(id, { ...next.get(id), status });
      }
    }
    decorations.set(next);
  }, [graph, metrics.data, run, steps.data, decorations]);
  return (
    <FlowCanvas
      label={run ? "Run canvas: each step coloured by what happened" : "Flow canvas with runs per step"}
      nodes={graph.nodes}
      edges={graph.edges}
      decorations={decorations}
    />
  );
}

function RunDetails({ run, nodeIds }: { run: Run; nodeIds: string[] }) {
  const control = useRunControl(run.id);
  const steps = useRunSteps(run.id, run.status === "running");
  const toast = useToast();
  const [restartAt, setRestartAt] = useState(run.current_node ?? nodeIds[1] ?? "");
  const act = async (action: RunAction, node?: string) => {
    try {
      const next = await control.mutateAsync({ action, ...(node ? { node } : {}) });
      toast(`Run ${next.status}`);
    } catch (error) {
      toast(messageOf(error), "error");
    }
  };
  const open = run.status === "running" || run.status === "paused";
  return (
    <div className="stack">
      <h2>Run</h2>
      <dl className="run-facts">
        <dt>Status</dt>
        <dd>
          <span className={`badge ${STATUS_BADGE[run.status] ?? ""}`} aria-label={`Run status ${run.status}`}>
            {run.status.replace("_", " ")}
          </span>
        </dd>
        <dt>Contact</dt>
        <dd>
          <Link to={`/contacts/${run.contact_id}`}>Open contact</Link>
        </dd>
        <dt>Version</dt>
        <dd>v{run.version}</dd>
        <dt>At step</dt>
        <dd>{run.current_node ?? "—"}</dd>
        {run.error ? (
          <>
            <dt>Error</dt>
            <dd className="field-error">
              {run.error}
              {run.cause ? `: ${run.cause}` : ""}
            </dd>
          </>
        ) : null}
      </dl>
      <div className="row" role="group" aria-label="Run controls">
        {run.status === "running" ? (
          <button type="button" onClick={() => void act("pause")} disabled={control.isPending}>
            Pause
          </button>
        ) : null}
        {run.status === "paused" ? (
          <button type="button" className="primary" onClick={() => void act("resume")} disabled={control.isPending}>
            Resume
          </button>
        ) : null}
        {open ? (
          <button type="button" onClick={() => void act("skip")} disabled={control.isPending}>
            Skip step
          </button>
        ) : null}
        {open ? (
          <button type="button" className="danger" onClick={() => void act("cancel")} disabled={control.isPending}>
            Cancel run
          </button>
        ) : null}
      </div>
      <div className="row">
        <SelectField label="Restart from" value={restartAt} onChange={(e) => setRestartAt(e.target.value)}>
          {nodeIds.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </SelectField>
        <button type="button" onClick={() => void act("restart", restartAt)} disabled={!restartAt || control.isPending}>
          Restart
        </button>
      </div>
      <h3>Steps</h3>
      {steps.isPending ? (
        <Loading label="Loading steps" />
      ) : steps.isError ? (
        <ErrorState error={steps.error} onRetry={() => void steps.refetch()} />
      ) : (
        <StepLog steps={steps.data.items} />
      )}
    </div>
  );
}

function StepLog({ steps }: { steps: RunStep[] }) {
  if (!steps.length) return <p className="muted">No steps yet.</p>;
  return (
    <ol className="run-steps" aria-label="Step log">
      {steps.map((step, index) => (
        <li key={index} className={step.status === "failed" ? "failed" : ""}>
          <strong>{step.node ?? "run"}</strong>{" "}
          {step.type === "control"
            ? `${step.step} by ${step.actor ?? "?"}`
            : step.type === "action"
              ? `${step.action ?? "action"} · ${step.status}`
              : `${step.state_type} · ${step.status}`}
          {step.error ? <div className="field-error">{step.error}</div> : null}
        </li>
      ))}
    </ol>
  );
}
