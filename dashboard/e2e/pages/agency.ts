// The agency screens as a user drives them: becoming an agency, sub-accounts, rebilling, templates, rollups.
import { expect, type Locator, type Page } from "@playwright/test";

/** Last month as YYYY-MM (UTC, as the rollups count months). */
export function previousMonth(now = new Date()): string {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

export class AgencyScreen {
  constructor(readonly page: Page) {}

  async open(section: "Sub-accounts" | "Rollups" | "Templates" = "Sub-accounts"): Promise<void> {
    if (!this.page.url().includes("/app/agency")) {
      await this.page.goto("/app/agency");
      await expect(this.page.getByRole("heading", { name: "Agency", level: 1 })).toBeVisible();
    }
    await this.loaded();
    if (section !== "Sub-accounts" || !this.page.url().endsWith("/agency")) await this.go(section);
  }

  async go(section: "Sub-accounts" | "Rollups" | "Templates"): Promise<void> {
    await this.page.getByRole("navigation", { name: "Agency sections" }).getByRole("link", { name: section }).click();
    await this.loaded();
  }

  async loaded(): Promise<void> {
    await expect(this.page.getByRole("status", { name: /^Loading/ })).toHaveCount(0);
  }

  async becomeAgency(): Promise<void> {
    await this.page.getByRole("button", { name: "Make this workspace an agency" }).click();
    await expect(this.page.getByRole("navigation", { name: "Agency sections" })).toBeVisible();
    await this.loaded();
  }

  async createSubAccount(name: string, timezone: string): Promise<void> {
    await this.page.getByLabel("Client name").fill(name);
    await this.page.getByLabel("Time zone").selectOption(timezone);
    await this.page.getByRole("button", { name: "Create sub-account" }).click();
    await expect(this.subAccountRow(name)).toBeVisible();
  }

  subAccountRow(name: string): Locator {
    return this.page.getByRole("table", { name: "Sub-accounts" }).getByRole("row").filter({ hasText: name });
  }

  /** The rebilling drawer of one sub-account. */
  async openRebilling(name: string): Promise<Locator> {
    await this.page.getByRole("button", { name: `Rebilling for ${name}` }).click();
    const drawer = this.page.getByRole("dialog", { name: `Rebilling · ${name}` });
    await expect(drawer.getByLabel("SMS markup (%)")).toBeVisible();
    return drawer;
  }

  async setMarkup(drawer: Locator, product: string, percent: string): Promise<void> {
    await drawer.getByLabel(`${product} markup (%)`).fill(percent);
    await drawer.getByRole("button", { name: "Save markups" }).click();
  }

  async captureTemplate(name: string, from: string): Promise<void> {
    await this.page.getByLabel("Template name").fill(name);
    await this.page.getByLabel("Capture from").selectOption({ label: from });
    await this.page.getByRole("button", { name: "Capture template" }).click();
    await expect(this.templateRow(name)).toBeVisible();
  }

  templateRow(name: string): Locator {
    return this.page.getByRole("table", { name: "Templates" }).getByRole("row").filter({ hasText: name });
  }

  /** Apply a template to a sub-account; returns the report once it shows. */
  async applyTemplate(template: string, to: string): Promise<Locator> {
    await this.page.getByRole("button", { name: `Apply ${template}` }).click();
    const dialog = this.page.getByRole("dialog", { name: `Apply “${template}”` });
    await dialog.getByLabel("Apply to").selectOption({ label: to });
    await dialog.getByRole("button", { name: "Apply template" }).click();
    const report = dialog.getByRole("region", { name: "Template report" });
    await expect(report).toBeVisible();
    return report;
  }

  async closeDialog(): Promise<void> {
    await this.page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
    await expect(this.page.getByRole("dialog")).toHaveCount(0);
  }

  rollupRow(name: string): Locator {
    return this.page
      .getByRole("table", { name: /^Rollups for / })
      .getByRole("row")
      .filter({ hasText: name });
  }

  /** Download the month's rollups as CSV; returns the file's name and its lines. */
  async downloadCsv(): Promise<{ name: string; lines: string[] }> {
    const download = this.page.waitForEvent("download");
    await this.page.getByRole("button", { name: "Download CSV" }).click();
    const file = await download;
    const stream = await file.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { name: file.suggestedFilename(), lines: Buffer.concat(chunks).toString("utf8").trim().split("\r\n") };
  }

  async pickMonth(month: string): Promise<void> {
    await this.page.getByLabel("Month", { exact: true }).fill(month);
    await this.loaded();
  }

  async openSubAccount(name: string): Promise<void> {
    await this.page.getByRole("button", { name: `Open ${name}` }).click();
    await expect(this.banner()).toContainText(`You are working in ${name}`);
  }

  banner(): Locator {
    return this.page.getByRole("region", { name: "Sub-account" });
  }

  async backToAgency(agency: string): Promise<void> {
    await this.banner()
      .getByRole("button", { name: `Back to ${agency}` })
      .click();
    await expect(this.banner()).toHaveCount(0);
    await expect(this.page.getByRole("heading", { name: "Agency", level: 1 })).toBeVisible();
  }
}
