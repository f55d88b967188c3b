// The integrations screen as a user drives it: open it, read a card's status, connect through a provider's
// consent screen, save a write-only secret.
import { expect, type Locator, type Page } from "@playwright/test";

export class IntegrationsScreen {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/integrations");
    await expect(this.page.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();
    await expect(this.page.getByRole("status", { name: "Loading" })).toHaveCount(0);
  }

  card(name: string): Locator {
    return this.page.getByRole("region", { name, exact: true });
  }

  async expectStatus(name: string, status: string): Promise<void> {
    await expect(this.card(name).getByText(status, { exact: true })).toBeVisible();
  }

  /** Click Connect, approve at the provider (the local stub approves at once) and come back. */
  async connect(name: string): Promise<void> {
    await this.card(name)
      .getByRole("button", { name: `Connect ${name}` })
      .click();
    await expect(this.page).toHaveURL(/\/app\/integrations$/);
    await expect(this.page.locator(".toast").filter({ hasText: `${name} connected` })).toBeVisible();
  }

  async saveOpenAiKey(key: string): Promise<void> {
    const card = this.card("OpenAI");
    await card.getByLabel("OpenAI API key").fill(key);
    await card.getByRole("button", { name: "Save OpenAI key" }).click();
    await expect(this.page.locator(".toast").filter({ hasText: "OpenAI key saved" })).toBeVisible();
  }
}
