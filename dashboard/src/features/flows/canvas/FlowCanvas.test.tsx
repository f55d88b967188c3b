// The canvas's grid: drawn where it guides the eye, left out when zoomed out so far that its dots become a costly
// texture (the fitted zoom of a 200-node flow).
import { useEffect } from "react";
import { act, render } from "@testing-library/react";
import { beforeAll, describe, expect, it } from "vitest";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { FlowCanvas } from "./FlowCanvas";
import { createDecorationStore } from "./decorations";

beforeAll(() => {
  // jsdom lays nothing out: React Flow needs these to measure its pane.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
  globalThis.DOMMatrixReadOnly ??= class {
    m22 = 1;
  } as unknown as typeof DOMMatrixReadOnly;
});

const viewport: { zoomTo: (zoom: number) => Promise<boolean> } = { zoomTo: () => Promise.resolve(false) };
function Zoom() {
  const flow = useReactFlow();
  useEffect(() => {
    viewport.zoomTo = (zoom) => flow.setViewport({ x: 0, y: 0, zoom });
  }, [flow]);
  return null;
}

function renderCanvas() {
  return render(
    <ReactFlowProvider>
      <FlowCanvas label="Flow canvas" nodes={[]} edges={[]} decorations={createDecorationStore()}>
        <Zoom />
      </FlowCanvas>
    </ReactFlowProvider>,
  );
}

describe("the canvas's grid", () => {
  it("is drawn at zoom 0.5 and above, and left out below", async () => {
    const { container } = renderCanvas();
    const grid = () => container.querySelector(".react-flow__background");
    await act(() => viewport.zoomTo(1));
    expect(grid()).not.toBeNull();
    await act(() => viewport.zoomTo(0.5));
    expect(grid()).not.toBeNull();
    await act(() => viewport.zoomTo(0.3));
    expect(grid()).toBeNull();
    await act(() => viewport.zoomTo(0.8));
    expect(grid()).not.toBeNull();
  });
});
