// The home screen as a user sees it: one panel per subject.
import { expect, type Locator, type Page } from "@playwright/test";

export class HomeScreen {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/");
    await expect(this.page.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
  }

  panel(title: string): Locator {
    return this.page
      .locator("section.panel")
      .filter({ has: this.page.getByRole("heading", { name: title, level: 2 }) });
  }
}
