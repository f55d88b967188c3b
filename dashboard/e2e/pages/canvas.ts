// The flow builder and run inspector as a user drives them: drag steps from the palette, draw edges between
// outcomes, open a step's settings, save and publish, read what the canvas shows.
import { expect, type Locator, type Page } from "@playwright/test";

export class Canvas {
  readonly page: Page;
  readonly region: Locator;
  readonly panel: Locator;

  constructor(page: Page, name: string | RegExp = "Flow canvas") {
    this.page = page;
    this.region = page.getByRole("region", { name });
    this.panel = page.getByRole("complementary");
  }

  node(id: string): Locator {
    return this.region.locator(`.react-flow__node[data-id="${id}"]`);
  }

  async nodeIds(): Promise<string[]> {
    return this.region
      .locator(".react-flow__node")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id") ?? ""));
  }

  /** Drag a step from the palette onto the canvas at a point given as fractions of its size; returns its id. */
  async addNode(type: string, at: { x: number; y: number }): Promise<string> {
    const before = new Set(await this.nodeIds());
    const box = (await this.region.boundingBox())!;
    await this.page
      .getByRole("navigation", { name: "Node palette" })
      .getByRole("button", { name: type, exact: true })
      .dragTo(this.region, { targetPosition: { x: box.width * at.x, y: box.height * at.y } });
    await expect.poll(async () => (await this.nodeIds()).length).toBe(before.size + 1);
    return (await this.nodeIds()).find((id) => !before.has(id))!;
  }

  /** Wait until no step moves between two looks (after a layout or a fit, the viewport animates). */
  async settled(): Promise<void> {
    let last = "";
    await expect
      .poll(
        async () => {
          const now = JSON.stringify(
            await this.region
              .locator(".react-flow__node")
              .evaluateAll((nodes) =>
                nodes.map((n) => [Math.round(n.getBoundingClientRect().x), Math.round(n.getBoundingClientRect().y)]),
              ),
          );
          const same = now === last;
          last = now;
          return same;
        },
        { intervals: [150] },
      )
      .toBe(true);
  }

  /** Draw an edge from a step's outcome handle to another step. */
  async connect(from: string, outcome: string, to: string): Promise<void> {
    await this.settled();
    const source = this.region.getByTestId(`handle-${from}-${outcome}`);
    const target = this.node(to).locator(".react-flow__handle.target");
    const a = (await source.boundingBox())!;
    const b = (await target.boundingBox())!;
    await this.page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
    await this.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
    await this.page.mouse.up();
    await expect(this.region.locator(`[data-testid="rf__edge-${from}:${outcome}"]`)).toHaveCount(1);
  }

  async openNode(id: string): Promise<void> {
    await this.node(id).locator(".flow-node-name").click();
    await expect(this.panel.getByRole("heading", { level: 2 })).toContainText(id);
  }

  async autoLayout(): Promise<void> {
    await this.page.getByRole("button", { name: "Auto layout" }).click();
    await this.settled();
  }

  async save(): Promise<void> {
    await this.page.getByRole("button", { name: "Save", exact: true }).click();
  }

  async publish(): Promise<void> {
    await this.page.getByRole("button", { name: "Publish", exact: true }).click();
  }

  /** The problem the canvas shows on a step. */
  problemOn(id: string): Locator {
    return this.node(id).locator(".flow-node-problem");
  }

  /** What happened at a step of the run shown (done, waiting here, not reached…). */
  statusOf(id: string): Locator {
    return this.node(id).locator(".flow-node-status");
  }
}
