// The pipelines screen as a user sees it: stages as regions, deals as cards, drag with the mouse or the keyboard.
import { expect, type Locator, type Page, type Route } from "@playwright/test";
import type { Workspace } from "../fixtures";

export interface SeededPipeline {
  id: string;
  stages: Record<string, string>;
  contactId: string;
}

/** A pipeline with the usual stages and a contact, made through the API. */
export async function seedPipeline(workspace: Workspace, name = "Sales"): Promise<SeededPipeline> {
  const pipeline = await workspace.api("POST", "/pipelines", { name });
  expect(pipeline.status).toBe(201);
  const contact = await workspace.api("POST", "/contacts", { first_name: "Dana", last_name: "Buyer" });
  expect(contact.status).toBe(201);
  const stages: Record<string, string> = {};
  for (const stage of pipeline.body.stages) stages[stage.name] = stage.id;
  return { id: pipeline.body.id, stages, contactId: contact.body.id };
}

export async function seedDeal(
  workspace: Workspace,
  pipeline: SeededPipeline,
  name: string,
  stage: string,
  value: string,
  expectedClose?: string,
): Promise<{ id: string; version: number }> {
  const deal = await workspace.api("POST", "/deals", {
    name,
    pipeline_id: pipeline.id,
    stage_id: pipeline.stages[stage],
    contact_id: pipeline.contactId,
    value,
    ...(expectedClose ? { expected_close_date: expectedClose } : {}),
  });
  expect(deal.status, JSON.stringify(deal.body)).toBe(201);
  return deal.body;
}

export class PipelinesScreen {
  constructor(readonly page: Page) {}

  async open(pipelineId: string): Promise<void> {
    await this.page.goto(`/app/pipelines/${pipelineId}`);
    await expect(this.page.getByRole("heading", { name: "Pipelines", level: 1 })).toBeVisible();
    await expect(this.page.getByRole("region", { name: /board$/ })).toBeVisible();
  }

  stage(name: string): Locator {
    return this.page.getByRole("region", { name: `${name} stage`, exact: true });
  }

  card(deal: string): Locator {
    return this.page
      .locator(".stage-deals > li")
      .filter({ has: this.page.getByRole("button", { name: deal, exact: true }) });
  }

  async expectDealIn(deal: string, stage: string): Promise<void> {
    await expect(this.stage(stage).getByRole("button", { name: deal, exact: true })).toBeVisible();
  }

  /** Drag a card onto a stage with the mouse, in small steps as a hand would. */
  async drag(deal: string, stage: string): Promise<void> {
    const card = await this.card(deal).boundingBox();
    const target = await this.stage(stage).boundingBox();
    if (!card || !target) throw new Error(`cannot drag ${deal} to ${stage}: not on screen`);
    const { mouse } = this.page;
    await mouse.move(card.x + card.width / 2, card.y + card.height - 12);
    await mouse.down();
    await mouse.move(card.x + card.width / 2 + 12, card.y + card.height - 12, { steps: 3 });
    await mouse.move(target.x + target.width / 2, target.y + 80, { steps: 12 });
    await mouse.up();
  }

  /** Lift a card from its handle with the keyboard and move it `steps` stages to the right. */
  async moveWithKeyboard(deal: string, steps: number): Promise<void> {
    // As a screen-reader user does: each key waits for the board to announce what it did.
    const announced = this.page.getByRole("status").filter({ hasText: deal });
    await this.page.getByRole("button", { name: `Move ${deal}`, exact: true }).focus();
    await this.page.keyboard.press("Space");
    await expect(announced).toContainText(`${deal} is over`); // picked up, over its own stage
    for (let i = 0; i < steps; i++) {
      const before = (await announced.textContent()) ?? "";
      await this.page.keyboard.press("ArrowRight");
      await expect(announced).not.toHaveText(before);
    }
    await this.page.keyboard.press("Space");
  }

  /** Hold the board's refreshes (live or polled) until released: the screen keeps what it loaded. */
  async holdBoardRefreshes(): Promise<() => Promise<void>> {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = async (route: Route) => {
      await gate;
      await route.continue();
    };
    await this.page.route("**/pipelines/*/board*", handler);
    // Once released, the route lets every request through at once (unrouting would race the held ones).
    return async () => release();
  }
}
