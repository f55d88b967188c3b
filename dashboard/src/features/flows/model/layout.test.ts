import { describe, expect, it } from "vitest";
import { layeredLayout, withoutBackEdges } from "./layout";

const link = (source: string, target: string) => ({ source, target });

describe("layered layout", () => {
  it("ranks each node by its longest path from the trigger", () => {
    // Given a trigger, a shortcut to the end and a longer way round
    const ids = ["start", "a", "b", "end"];
    const links = [link("start", "a"), link("a", "b"), link("b", "end"), link("start", "end")];
    // When laid out
    const at = layeredLayout(ids, links, { xGap: 100, yGap: 50 });
    // Then the end sits below the longest path, not right under the trigger
    expect([...ids].map((id) => at.get(id)!.y)).toEqual([0, 50, 100, 150]);
  });

  it("spreads a layer's nodes side by side, centred", () => {
    const at = layeredLayout(["s", "x", "y"], [link("s", "x"), link("s", "y")], { xGap: 100, yGap: 50 });
    expect(at.get("s")).toEqual({ x: 0, y: 0 });
    expect([at.get("x")!.x, at.get("y")!.x].sort((a, b) => a - b)).toEqual([-50, 50]);
  });

  it("ignores a loop's way back, so loops do not push nodes down forever", () => {
    const ids = ["start", "loop", "text", "done"];
    const links = [link("start", "loop"), link("loop", "text"), link("text", "loop"), link("loop", "done")];
    expect(withoutBackEdges(ids, links)).not.toContainEqual(link("text", "loop"));
    const at = layeredLayout(ids, links, { xGap: 100, yGap: 50 });
    expect(at.get("loop")!.y).toBe(50);
    expect(at.get("text")!.y).toBe(100);
    expect(at.get("done")!.y).toBe(100);
  });

  it("places every node, even unreachable ones", () => {
    const at = layeredLayout(["start", "orphan"], []);
    expect(at.size).toBe(2);
  });
});
