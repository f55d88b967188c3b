// The selected node's side panel: its settings as a form generated from the flow schema, its problems, and its
// outcomes with where each leads (a keyboard way to connect).
import { memo } from "react";
import { SelectField } from "@/components/ui";
import { SchemaForm } from "../form/SchemaForm";
import type { FlowNodeData } from "../model/graph";
import { handlesOf, outcomeLabel } from "../model/outcomes";
import { byField, type Problem } from "../model/problems";
import { humanize, nodeSchema } from "../model/schema";
import type { JsonSchema, NodeConfig } from "../model/types";

const HIDDEN = ["id", "type", "position"];
const NO_PROBLEMS: Problem[] = [];

interface Props {
  root: JsonSchema;
  id: string;
  data: FlowNodeData;
  problems?: Problem[] | undefined;
  targets: Record<string, string>;
  nodeIds: readonly string[];
  onChange: (id: string, config: NodeConfig) => void;
  onConnect: (id: string, label: string, target: string) => void;
  onDelete: (id: string) => void;
  trigger?: {
    value: Record<string, unknown>;
    errors: Record<string, string>;
    onChange: (v: Record<string, unknown>) => void;
  };
}

function NodePanelImpl({ root, id, data, problems = NO_PROBLEMS, targets, nodeIds, ...actions }: Props) {
  const errors = byField(problems);
  const general = problems.filter((p) => p.field === "(node)" || p.field === "edges" || p.field === "id");
  return (
    <div className="stack">
      <div className="panel-title">
        <h2>
          {humanize(data.type)} <span className="muted">· {id}</span>
        </h2>
      </div>
      {general.length ? (
        <ul className="flow-problems" aria-label="Problems with this step">
          {general.map((p, i) => (
            <li key={i} className="field-error">
              {p.field === "edges" ? "Outcomes: " : ""}
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {actions.trigger ? (
        <fieldset className="schema-group">
          <legend>Trigger</legend>
          <SchemaForm
            root={root}
            schema={root.$defs?.trigger_spec ?? {}}
            value={actions.trigger.value}
            errors={actions.trigger.errors}
            onChange={actions.trigger.onChange}
          />
        </fieldset>
      ) : null}
      <SchemaForm
        root={root}
        schema={nodeSchema(root, data.type)}
        value={data.config}
        errors={errors}
        hidden={HIDDEN}
        onChange={(config) => actions.onChange(id, config)}
      />
      <Outcomes
        id={id}
        type={data.type}
        config={data.config}
        targets={targets}
        nodeIds={nodeIds}
        onConnect={actions.onConnect}
      />
      {data.type !== "trigger" ? (
        <button type="button" className="danger" onClick={() => actions.onDelete(id)}>
          Delete step
        </button>
      ) : null}
    </div>
  );
}

function Outcomes({
  id,
  type,
  config,
  targets,
  nodeIds,
  onConnect,
}: {
  id: string;
  type: string;
  config: NodeConfig;
  targets: Record<string, string>;
  nodeIds: readonly string[];
  onConnect: Props["onConnect"];
}) {
  const handles = handlesOf(type, config);
  if (!handles.length) return <p className="muted">An end step has no way out.</p>;
  return (
    <fieldset className="schema-group">
      <legend>Outcomes</legend>
      {handles.map((label) => (
        <SelectField
          key={label}
          label={`Then (${outcomeLabel(type, label) || "next"})`}
          value={targets[label] ?? ""}
          onChange={(e) => onConnect(id, label, e.target.value)}
        >
          <option value="">(not connected)</option>
          {nodeIds.map((other) => (
            <option key={other} value={other}>
              {other}
            </option>
          ))}
        </SelectField>
      ))}
    </fieldset>
  );
}

export const NodePanel = memo(NodePanelImpl);
