// The visual builder: palette, canvas and the selected step's settings; save, dry run and publish. Loaded only
// on its route (React Flow and its styles come with it).
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import {
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  type Connection,
  type NodeMouseHandler,
  type ReactFlowInstance,
} from "@xyflow/react";
import { ErrorState, FormError, Loading, Page, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { isApiError, messageOf } from "@/lib/api/errors";
import {
  documentOf,
  useDryRun,
  useFlow,
  useFlowSchema,
  useFlowVersions,
  usePublishFlow,
  useSaveFlow,
  type DryRunResult,
  type Flow,
} from "./api";
import { FlowCanvas } from "./canvas/FlowCanvas";
import { NodePanel } from "./canvas/NodePanel";
import { NODE_MIME, Palette } from "./canvas/Palette";
import { createDecorationStore, type Decoration } from "./canvas/decorations";
import { ContactPicker } from "./ContactPicker";
import { defaultSettings } from "./model/defaults";
import { connect, freshId, graphToDoc, type CanvasEdge, type CanvasNode } from "./model/graph";
import { initialGraph } from "./model/initialGraph";
import { layeredLayout } from "./model/layout";
import { NO_PROBLEMS, placeProblems, type PlacedProblems } from "./model/problems";
import { nodeTypes } from "./model/schema";
import type { FlowDocument, JsonSchema, NodeConfig } from "./model/types";

export default function FlowBuilderPage() {
  const { flowId = "" } = useParams();
  const flow = useFlow(flowId);
  const schema = useFlowSchema();
  if (flow.isPending || schema.isPending)
    return (
      <Page title="Flow builder">
        <Loading label="Loading the flow" />
      </Page>
    );
  if (flow.isError || schema.isError)
    return (
      <Page title="Flow builder">
        <ErrorState error={flow.error ?? schema.error} onRetry={() => void (flow.refetch(), schema.refetch())} />
      </Page>
    );
  return (
    <ReactFlowProvider>
      <Builder key={flow.data.id} flow={flow.data} schema={schema.data} />
    </ReactFlowProvider>
  );
}

type Meta = Omit<FlowDocument, "nodes" | "edges">;

function metaOf(doc: FlowDocument): Meta {
  const meta: Partial<FlowDocument> = { ...doc };
  delete meta.nodes;
  delete meta.edges;
  return meta as Meta;
}

function Builder({ flow, schema }: { flow: Flow; schema: JsonSchema }) {
  const toast = useToast();
  const initial = useMemo(() => initialGraph(documentOf(flow)), [flow.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const [meta, setMeta] = useState<Meta>(() => metaOf(documentOf(flow)));
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(initial.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<CanvasEdge>(initial.edges);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<PlacedProblems>(NO_PROBLEMS);
  const [dryRun, setDryRun] = useState<DryRunResult | null>(null);
  const [decorations] = useState(createDecorationStore);
  const instance = useRef<ReactFlowInstance<CanvasNode, CanvasEdge> | null>(null);
  const save = useSaveFlow(flow.id);
  const publish = usePublishFlow(flow.id);
  const types = useMemo(() => nodeTypes(schema), [schema]);

  // The builder's state as it stands, read through a ref by the callbacks below, so that each stays one stable
  // function: neither the palette nor the settings panel beside the canvas renders again on every frame of a drag.
  const latest = useRef({ meta, nodes, edges, selected });
  useEffect(() => {
    latest.current = { meta, nodes, edges, selected };
  });
  const currentDoc = useCallback(() => graphToDoc(latest.current.meta, latest.current.nodes, latest.current.edges), []);

  useEffect(() => {
    const next = new Map<string, Decoration>();
    for (const [id, list] of Object.entries(problems.nodes)) {
      next.set(id, { problems: list.map((p) => (p.field.startsWith("(") ? p.message : `${p.field}: ${p.message}`)) });
    }
    for (const id of dryRun?.path ?? []) next.set(id, { ...next.get(id), status: "path" });
    decorations.set(next);
  }, [problems, dryRun, decorations]);

  const addNode = useCallback(
    (type: string, at?: { x: number; y: number }) => {
      const current = latest.current.nodes;
      const id = freshId(type, new Set(current.map((n) => n.id)));
      const anchor = current.find((n) => n.id === latest.current.selected) ?? current[current.length - 1];
      const position = at ?? { x: anchor?.position.x ?? 0, y: (anchor?.position.y ?? 0) + 150 };
      const node: CanvasNode = {
        id,
        type: "flow",
        position,
        selected: true,
        data: { type, config: defaultSettings(type) },
        ariaLabel: `${type.replace(/_/g, " ")} step ${id}`,
      };
      setNodes((list) => [...list.map((n) => (n.selected ? { ...n, selected: false } : n)), node]);
      setSelected(id);
    },
    [setNodes],
  );

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      const type = event.dataTransfer.getData(NODE_MIME);
      if (!type || !instance.current) return;
      event.preventDefault();
      const point = instance.current.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(type, { x: point.x - 100, y: point.y - 30 });
    },
    [addNode],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (c.source && c.target) setEdges((current) => connect(current, c.source, c.sourceHandle ?? "next", c.target));
    },
    [setEdges],
  );
  const connectFromPanel = useCallback(
    (source: string, label: string, target: string) =>
      setEdges((current) =>
        target ? connect(current, source, label, target) : current.filter((e) => e.id !== `${source}:${label}`),
      ),
    [setEdges],
  );
  const changeConfig = useCallback(
    (id: string, config: NodeConfig) =>
      setNodes((current) => current.map((n) => (n.id === id ? { ...n, data: { ...n.data, config } } : n))),
    [setNodes],
  );
  const deleteNode = useCallback(
    (id: string) => {
      setNodes((current) => current.filter((n) => n.id !== id));
      setEdges((current) => current.filter((e) => e.source !== id && e.target !== id));
      setSelected(null);
    },
    [setNodes, setEdges],
  );
  const onNodeClick: NodeMouseHandler<CanvasNode> = useCallback((_, node) => setSelected(node.id), []);
  const onPaneClick = useCallback(() => setSelected(null), []);
  const onInit = useCallback((rf: ReactFlowInstance<CanvasNode, CanvasEdge>) => {
    instance.current = rf;
  }, []);

  const relayout = () => {
    const positions = layeredLayout(
      nodes.map((n) => n.id),
      edges,
    );
    setNodes((current) => current.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })));
    window.requestAnimationFrame(() => void instance.current?.fitView({ padding: 0.2, maxZoom: 1 }));
  };

  const showProblems = useCallback(
    (error: unknown, doc: FlowDocument) => {
      if (isApiError(error, 422)) {
        const placed = placeProblems(error.details, doc);
        setProblems(placed);
        const count = Object.keys(placed.nodes).length;
        toast(count ? `${count} step${count > 1 ? "s" : ""} need attention` : error.message, "error");
      } else toast(messageOf(error), "error");
    },
    [toast],
  );

  const doSave = async (): Promise<boolean> => {
    const doc = currentDoc();
    try {
      await save.mutateAsync(doc);
      setProblems(NO_PROBLEMS);
      return true;
    } catch (error) {
      showProblems(error, doc);
      return false;
    }
  };

  const doPublish = async () => {
    if (!(await doSave())) return;
    try {
      const published = await publish.mutateAsync();
      toast(`Published version ${published.version}`);
    } catch (error) {
      showProblems(error, currentDoc());
    }
  };

  const selectedNode = selected ? nodes.find((n) => n.id === selected) : undefined;
  const selectedData = selectedNode?.data;
  const targets = useMemo(() => {
    const out: Record<string, string> = {};
    for (const e of edges) if (e.source === selected) out[e.data?.label ?? e.sourceHandle ?? "next"] = e.target;
    return out;
  }, [edges, selected]);
  // Only ids matter to the outcome pickers: positions change on every drag frame.
  const idKey = nodes
    .filter((n) => n.data.type !== "trigger")
    .map((n) => n.id)
    .join(",");
  const nodeIds = useMemo(() => (idKey ? idKey.split(",") : []), [idKey]);
  const triggerErrors = useMemo(() => {
    const out: Record<string, string> = {};
    for (const p of problems.flow) if (p.field.startsWith("trigger/")) out[p.field.slice(8)] ??= p.message;
    return out;
  }, [problems]);
  const triggerEditor = useMemo(
    () => ({
      value: meta.trigger,
      errors: triggerErrors,
      onChange: (value: Record<string, unknown>) =>
        setMeta((m) => ({ ...m, trigger: value as FlowDocument["trigger"] })),
    }),
    [meta.trigger, triggerErrors],
  );

  return (
    <Page
      title={meta.name || "Flow builder"}
      actions={
        <>
          <span className={`badge ${flow.status === "published" ? "success" : ""}`}>
            {flow.published_version ? `v${flow.published_version} published` : "draft"}
          </span>
          <button type="button" onClick={relayout}>
            Auto layout
          </button>
          <button type="button" onClick={() => void doSave()} disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
          <button type="button" className="primary" onClick={() => void doPublish()} disabled={publish.isPending}>
            {publish.isPending ? "Publishing…" : "Publish"}
          </button>
          {flow.published_version ? (
            <Link className="button" to={`/automations/${flow.id}/runs`}>
              Runs
            </Link>
          ) : null}
        </>
      }
    >
      <div className="flow-builder">
        <Palette types={types} onAdd={addNode} />
        <FlowCanvas
          label="Flow canvas"
          nodes={nodes}
          edges={edges}
          decorations={decorations}
          editable
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onNodeClick={onNodeClick}
          onPaneClick={onPaneClick}
          onInit={onInit}
          onDrop={onDrop}
        />
        <aside className="flow-side panel" aria-label={selectedNode ? "Step settings" : "Flow settings"}>
          {selectedNode && selectedData ? (
            <NodePanel
              root={schema}
              id={selectedNode.id}
              data={selectedData}
              problems={problems.nodes[selectedNode.id]}
              targets={targets}
              nodeIds={nodeIds}
              onChange={changeConfig}
              onConnect={connectFromPanel}
              onDelete={deleteNode}
              {...(selectedData.type === "trigger" ? { trigger: triggerEditor } : {})}
            />
          ) : (
            <FlowSettings
              flow={flow}
              meta={meta}
              onMeta={setMeta}
              problems={problems}
              doc={currentDoc}
              dryRun={dryRun}
              onDryRun={setDryRun}
              onProblems={showProblems}
            />
          )}
        </aside>
      </div>
    </Page>
  );
}

const FlowSettings = memo(function FlowSettings({
  flow,
  meta,
  onMeta,
  problems,
  doc,
  dryRun,
  onDryRun,
  onProblems,
}: {
  flow: Flow;
  meta: Meta;
  onMeta: (update: (m: Meta) => Meta) => void;
  problems: PlacedProblems;
  doc: () => FlowDocument;
  dryRun: DryRunResult | null;
  onDryRun: (result: DryRunResult | null) => void;
  onProblems: (error: unknown, doc: FlowDocument) => void;
}) {
  const nameError = problems.flow.find((p) => p.field === "name")?.message;
  const others = problems.flow.filter((p) => p.field !== "name");
  return (
    <div className="stack">
      <h2>Flow settings</h2>
      <TextField
        label="Flow name"
        value={meta.name}
        error={nameError}
        onChange={(e) => onMeta((m) => ({ ...m, name: e.target.value }))}
      />
      <SelectField
        label="When the contact opts out"
        value={meta.on_opt_out ?? "exit"}
        onChange={(e) => onMeta((m) => ({ ...m, on_opt_out: e.target.value as "exit" | "continue" }))}
      >
        <option value="exit">End the run</option>
        <option value="continue">Continue (nothing is sent)</option>
      </SelectField>
      {others.length ? (
        <ul className="flow-problems" aria-label="Problems with this flow">
          {others.map((p, i) => (
            <li key={i} className="field-error">
              {p.field}: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="muted">Select a step to edit it. Trigger settings are on the trigger step.</p>
      <DryRunPanel doc={doc} result={dryRun} onResult={onDryRun} onProblems={onProblems} />
      <Versions flowId={flow.id} />
    </div>
  );
});

function DryRunPanel({
  doc,
  result,
  onResult,
  onProblems,
}: {
  doc: () => FlowDocument;
  result: DryRunResult | null;
  onResult: (result: DryRunResult | null) => void;
  onProblems: (error: unknown, doc: FlowDocument) => void;
}) {
  const [contactId, setContactId] = useState("");
  const dryRun = useDryRun();
  const run = async () => {
    const current = doc();
    try {
      onResult(await dryRun.mutateAsync({ flow: current, contact_id: contactId }));
    } catch (error) {
      onResult(null);
      if (isApiError(error, 422) && Array.isArray(error.details.errors)) onProblems(error, current);
    }
  };
  return (
    <section className="stack" aria-labelledby="dry-run-title">
      <h3 id="dry-run-title">Dry run</h3>
      <p className="muted">Walk the flow for a contact: nothing is sent or changed.</p>
      <ContactPicker value={contactId} onChange={setContactId} />
      <FormError message={dryRun.error && !isApiError(dryRun.error, 422) ? messageOf(dryRun.error) : null} />
      {isApiError(dryRun.error, 422) && !Array.isArray(dryRun.error.details.errors) ? (
        <FormError message={dryRun.error.message} />
      ) : null}
      <div className="row">
        <button type="button" onClick={() => void run()} disabled={!contactId || dryRun.isPending}>
          {dryRun.isPending ? "Simulating…" : "Dry run"}
        </button>
        {result ? (
          <button type="button" className="ghost" onClick={() => onResult(null)}>
            Clear path
          </button>
        ) : null}
      </div>
      {result ? (
        <div role="status" className="stack">
          <p>
            Outcome: <strong>{result.outcome}</strong> after {result.path.length} steps (highlighted on the canvas).
          </p>
          <ol className="dry-run-steps">
            {result.steps.map((step, index) => (
              <li key={index}>
                <strong>{step.node}</strong> {step.label && step.label !== "next" ? `→ ${step.label}` : ""}
                {step.failed ? " (fails)" : ""}
                {step.preview && "body" in step.preview ? (
                  <div className="muted">“{String((step.preview as Record<string, unknown>).body)}”</div>
                ) : null}
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}

function Versions({ flowId }: { flowId: string }) {
  const versions = useFlowVersions(flowId);
  return (
    <section aria-labelledby="versions-title" className="stack">
      <h3 id="versions-title">Versions</h3>
      {versions.isPending ? (
        <Loading label="Loading versions" />
      ) : versions.isError ? (
        <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />
      ) : versions.data.items.length === 0 ? (
        <p className="muted">Not published yet. Publishing makes a new version; running runs keep theirs.</p>
      ) : (
        <ul className="flow-versions" aria-label="Published versions">
          {versions.data.items.map((v) => (
            <li key={v.version}>
              <strong>v{v.version}</strong>{" "}
              <time className="muted" dateTime={v.published_at}>
                {new Date(v.published_at).toLocaleString()}
              </time>{" "}
              <span className="muted">· {(v.document as { nodes?: unknown[] }).nodes?.length ?? "?"} steps</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
