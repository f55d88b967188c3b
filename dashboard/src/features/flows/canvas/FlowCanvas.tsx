// The canvas shared by the builder, the dry run and the run inspector. Everything passed to React Flow that is
// not state is defined once at module level (node/edge types, options), so React Flow never sees new objects
// on a render; decorations reach nodes through their own store (see decorations.ts).
import "@xyflow/react/dist/style.css";
import "../flows.css";
import type { ReactNode } from "react";
import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type NodeMouseHandler,
  type OnInit,
  useStore,
} from "@xyflow/react";
import type { CanvasEdge, CanvasNode } from "../model/graph";
import { FlowNodeCard } from "./FlowNodeCard";
import { OutcomeEdge } from "./OutcomeEdge";
import { DecorationContext, type DecorationStore } from "./decorations";

const NODE_TYPES = { flow: FlowNodeCard };
const EDGE_TYPES = { outcome: OutcomeEdge };
const DEFAULT_EDGE_OPTIONS = { type: "outcome", markerEnd: { type: MarkerType.ArrowClosed } };
const FIT_VIEW_OPTIONS = { padding: 0.2, maxZoom: 1 };
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = ["Backspace", "Delete"];
const MANY_NODES = 60;
// Below this zoom the grid's dots are under 12 px apart: a texture, not a guide, and the costliest thing to draw
// on the canvas (tens of thousands of dots re-rasterised on every frame of a pan or an auto-pan while dragging).
const GRID_MIN_ZOOM = 0.5;
const GRID_GAP = 24;

export interface FlowCanvasProps {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  decorations: DecorationStore;
  label: string;
  editable?: boolean;
  onNodesChange?: (changes: NodeChange<CanvasNode>[]) => void;
  onEdgesChange?: (changes: EdgeChange<CanvasEdge>[]) => void;
  onConnect?: (connection: Connection) => void;
  onNodeClick?: NodeMouseHandler<CanvasNode>;
  onPaneClick?: () => void;
  onInit?: OnInit<CanvasNode, CanvasEdge>;
  onDrop?: (event: React.DragEvent) => void;
  children?: ReactNode;
}

/** The dotted grid, drawn only at zooms where its dots are far enough apart to guide the eye. */
function Grid() {
  const visible = useStore((state) => state.transform[2] >= GRID_MIN_ZOOM);
  return visible ? <Background gap={GRID_GAP} /> : null;
}

function allowDrop(event: React.DragEvent) {
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
}

export function FlowCanvas(props: FlowCanvasProps) {
  const editable = props.editable ?? false;
  return (
    <DecorationContext.Provider value={props.decorations}>
      <div
        className="flow-canvas"
        role="region"
        aria-label={props.label}
        onDragOver={editable ? allowDrop : undefined}
        onDrop={props.onDrop}
      >
        <ReactFlow<CanvasNode, CanvasEdge>
          nodes={props.nodes}
          edges={props.edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
          onNodesChange={props.onNodesChange}
          onEdgesChange={props.onEdgesChange}
          onConnect={props.onConnect}
          onNodeClick={props.onNodeClick}
          onPaneClick={props.onPaneClick}
          onInit={props.onInit}
          nodesDraggable={editable}
          nodesConnectable={editable}
          deleteKeyCode={editable ? DELETE_KEYS : null}
          fitView
          fitViewOptions={FIT_VIEW_OPTIONS}
          onlyRenderVisibleElements={props.nodes.length > MANY_NODES}
          proOptions={PRO_OPTIONS}
          minZoom={0.1}
        >
          <Grid />
          <Controls showInteractive={false} />
          {props.nodes.length > 12 ? <MiniMap pannable zoomable ariaLabel="Flow overview" /> : null}
          {props.children}
        </ReactFlow>
      </div>
    </DecorationContext.Provider>
  );
}
