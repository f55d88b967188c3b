// One node on the canvas: its type, name, a one-line summary of its settings, a handle per outcome, and its
// decoration (problems, run status, counts). Memoised: dragging another node does not render this one.
import { memo } from "react";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import type { CanvasNode } from "../model/graph";
import { handlesOf, outcomeLabel } from "../model/outcomes";
import { humanize } from "../model/schema";
import { useDecoration } from "./decorations";

const ICONS: Record<string, string> = {
  trigger: "⚡",
  send_sms: "✉",
  send_email: "@",
  wait_for_reply: "↩",
  wait_for_event: "◷",
  wait_for_booking: "▦",
  send_booking_link: "▦",
  delay: "◷",
  condition: "◇",
  ai_condition: "◈",
  branch: "⋔",
  loop: "↻",
  end: "■",
};
const STATUS_TEXT: Record<string, string> = {
  done: "done",
  waiting: "waiting here",
  failed: "failed",
  skipped: "skipped",
  not_reached: "not reached",
  path: "on the dry-run path",
};
const SUMMARY_KEYS = ["body", "subject", "title", "tag", "url", "question", "prompt", "event", "variable", "outcome"];

function summaryOf(config: Record<string, unknown>): string {
  for (const key of SUMMARY_KEYS) {
    const value = config[key];
    if (typeof value === "string" && value) return value.length > 48 ? `${value.slice(0, 47)}…` : value;
  }
  const timeout = (config.timeout ?? config) as Record<string, unknown>;
  const parts = ["days", "hours", "minutes"].filter((unit) => typeof timeout[unit] === "number");
  return parts.map((unit) => `${String(timeout[unit])} ${unit}`).join(" ");
}

function FlowNodeCardImpl({ id, data, selected }: NodeProps<CanvasNode>) {
  const decoration = useDecoration(id);
  const handles = handlesOf(data.type, data.config);
  const problems = decoration?.problems ?? [];
  const status = decoration?.status;
  const name = typeof data.config.name === "string" && data.config.name ? data.config.name : id;
  const classes = ["flow-node", `kind-${data.type}`];
  if (selected) classes.push("selected");
  if (problems.length) classes.push("has-problems");
  if (status) classes.push(`status-${status}`);
  return (
    <div className={classes.join(" ")}>
      {data.type !== "trigger" ? <Handle type="target" position={Position.Top} className="flow-handle in" /> : null}
      <div className="flow-node-head">
        <span aria-hidden="true">{ICONS[data.type] ?? "•"}</span>
        <span className="flow-node-type">{humanize(data.type)}</span>
        {decoration?.count ? (
          <span className="count" title="runs that entered / failed here">
            {decoration.count.entered}
            {decoration.count.failed ? ` · ${decoration.count.failed}✕` : ""}
          </span>
        ) : null}
      </div>
      <div className="flow-node-name">{name}</div>
      <div className="flow-node-summary muted">{summaryOf(data.config)}</div>
      {status ? <div className={`flow-node-status ${status}`}>{STATUS_TEXT[status]}</div> : null}
      {problems.length ? (
        <div className="flow-node-problem" role="note" title={problems.join("\n")}>
          ⚠ {problems[0]}
          {problems.length > 1 ? ` (+${problems.length - 1})` : ""}
        </div>
      ) : null}
      <div className="flow-node-outs">
        {handles.map((label, index) => {
          const left = `${((index + 1) / (handles.length + 1)) * 100}%`;
          const text = outcomeLabel(data.type, label);
          return (
            <div key={label} className={`flow-out out-${label}`}>
              {text ? (
                <span className="flow-out-label" style={{ left }}>
                  {text}
                </span>
              ) : null}
              <Handle
                type="source"
                id={label}
                position={Position.Bottom}
                className={`flow-handle out ${label === "error" ? "error" : ""}`}
                data-testid={`handle-${id}-${label}`}
                style={{ left }}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

export const FlowNodeCard = memo(FlowNodeCardImpl);
