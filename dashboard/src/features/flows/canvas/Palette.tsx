// Every node type the flow schema allows (but a second trigger): drag one onto the canvas, or press it to add
// it below the selected node (the keyboard way).
import { memo } from "react";
import { humanize } from "../model/schema";

export const NODE_MIME = "application/x-leadpilot-node";

function PaletteImpl({ types, onAdd }: { types: readonly string[]; onAdd: (type: string) => void }) {
  return (
    <nav className="flow-palette panel" aria-label="Node palette">
      <h2>Add a step</h2>
      <p className="muted small-text">Drag onto the canvas, or press to add.</p>
      <ul>
        {types
          .filter((type) => type !== "trigger")
          .map((type) => (
            <li key={type}>
              <button
                type="button"
                className={`palette-item kind-${type}`}
                draggable
                onDragStart={(event) => {
                  event.dataTransfer.setData(NODE_MIME, type);
                  event.dataTransfer.effectAllowed = "move";
                }}
                onClick={() => onAdd(type)}
              >
                {humanize(type)}
              </button>
            </li>
          ))}
      </ul>
    </nav>
  );
}

export const Palette = memo(PaletteImpl);
