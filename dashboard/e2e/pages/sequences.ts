// The sequences screens as a user sees them: the list, the step editor with its preview, stats and enrolments.
import { expect, type Page } from "@playwright/test";

export class SequencesScreen {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/sequences");
    await expect(this.page.getByRole("heading", { name: "Sequences", level: 1 })).toBeVisible();
  }

  async startNew(name: string): Promise<void> {
    await this.page.getByRole("button", { name: "New sequence" }).click();
    await this.page.getByLabel("Sequence name").fill(name);
  }

  step(n: number) {
    return this.page.getByRole("group", { name: `Step ${n}` });
  }

  preview(n: number) {
    return this.page.getByRole("region", { name: `Preview of step ${n}` });
  }

  async writeStep(n: number, step: { day: number; subject: string; body: string }): Promise<void> {
    if (n > 1 && (await this.step(n).count()) === 0) await this.page.getByRole("button", { name: "Add step" }).click();
    const group = this.step(n);
    await group.getByLabel("Day").fill(String(step.day));
    await group.getByLabel("Subject").fill(step.subject);
    await group.getByLabel("Body (markdown)").fill(step.body);
  }

  async sendOnlyWithin(fromHour: string, untilHour: string): Promise<void> {
    await this.page.getByLabel("Only send within these hours and days").check();
    await this.page.getByLabel("From").selectOption({ label: fromHour });
    await this.page.getByLabel("Until").selectOption({ label: untilHour });
  }

  async create(): Promise<void> {
    await this.page.getByRole("button", { name: "Create sequence" }).click();
  }

  async enrol(search: string, name: string): Promise<void> {
    await this.page.getByLabel("Enrol a contact").fill(search);
    await this.page.getByRole("button", { name: `Enrol ${name}` }).click();
  }

  get stats() {
    return this.page.getByRole("region", { name: "Stats per step" });
  }
}
