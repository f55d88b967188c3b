// An edge labelled with its outcome (reply, no reply, a branch's case, error). Memoised, and drawn as one SVG
// path with an SVG label: no portal per edge, so a drag re-renders only the edges of the dragged node.
import { memo } from "react";
import { BaseEdge, getSmoothStepPath, type EdgeProps } from "@xyflow/react";
import type { CanvasEdge } from "../model/graph";

const LABEL_BG_PADDING: [number, number] = [4, 2];

function OutcomeEdgeImpl(props: EdgeProps<CanvasEdge>) {
  const [path, labelX, labelY] = getSmoothStepPath({
    sourceX: props.sourceX,
    sourceY: props.sourceY,
    sourcePosition: props.sourcePosition,
    targetX: props.targetX,
    targetY: props.targetY,
    targetPosition: props.targetPosition,
    borderRadius: 10,
  });
  const label = props.data?.label ?? "next";
  return (
    <BaseEdge
      id={props.id}
      path={path}
      markerEnd={props.markerEnd}
      className={`flow-edge edge-${label}${props.selected ? " selected" : ""}`}
      labelX={labelX}
      labelY={labelY}
      label={label === "next" ? undefined : label === "timeout" ? "timeout" : label.replace(/_/g, " ")}
      labelShowBg
      labelBgPadding={LABEL_BG_PADDING}
      labelBgBorderRadius={4}
    />
  );
}

export const OutcomeEdge = memo(OutcomeEdgeImpl);
