// The settings screens as a user drives them: open a section, fill its form, save, and read what it shows.
import { expect, type Locator, type Page } from "@playwright/test";

export type Section =
  "workspace" | "members" | "api-keys" | "phone-numbers" | "email" | "messaging" | "usage" | "notifications";

export class SettingsScreen {
  constructor(readonly page: Page) {}

  async open(section: Section): Promise<void> {
    await this.page.goto(`/app/settings/${section}`);
    await expect(this.page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
    await expect(this.page.getByRole("status", { name: "Loading" })).toHaveCount(0);
  }

  /** Go to another section through the sub-navigation. */
  async go(label: string): Promise<void> {
    await this.page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: label }).click();
    await expect(this.page.getByRole("status", { name: "Loading" })).toHaveCount(0);
  }

  async expectSaved(message: string): Promise<void> {
    await expect(this.page.locator(".toast").filter({ hasText: message })).toBeVisible();
  }

  async save(button = "Save changes"): Promise<void> {
    await this.page.getByRole("button", { name: button }).click();
  }

  async renameWorkspace(name: string): Promise<void> {
    await this.page.getByLabel("Workspace name").fill(name);
    await expect(this.page.getByText("Unsaved changes")).toBeVisible();
    await this.save();
    await this.expectSaved("Workspace saved");
  }

  /** Invite someone and return the invite link the screen shows once. */
  async invite(email: string, role = "Member"): Promise<string> {
    await this.page.getByLabel("Email to invite").fill(email);
    await this.page.getByLabel("Role", { exact: true }).selectOption({ label: role });
    await this.page.getByRole("button", { name: "Send invite" }).click();
    const link = this.page.getByLabel("Invite link");
    await expect(link).toHaveValue(/\/app\/accept-invite\?token=/);
    return link.inputValue();
  }

  memberRow(name: string): Locator {
    return this.page.getByRole("row").filter({ hasText: name });
  }

  async changeRole(name: string, role: string): Promise<void> {
    await this.page.getByLabel(`Role of ${name}`).selectOption({ label: role });
  }

  /** Create an API key and return its secret, read from the dialog that shows it once. */
  async createApiKey(name: string, write: boolean): Promise<string> {
    await this.page.getByLabel("Key name").fill(name);
    if (write) await this.page.getByLabel(/^Write/).check();
    await this.page.getByRole("button", { name: "Create key" }).click();
    const dialog = this.page.getByRole("dialog", { name: "Your new API key" });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("only time the key is shown");
    return dialog.getByLabel("API key secret").inputValue();
  }

  async closeSecret(): Promise<void> {
    await this.page.getByRole("button", { name: "I have copied it" }).click();
    await expect(this.page.getByRole("dialog")).toHaveCount(0);
  }

  async revokeKey(name: string): Promise<void> {
    await this.page.getByRole("button", { name: `Revoke ${name}` }).click();
    await this.page
      .getByRole("dialog", { name: `Revoke ${name}?` })
      .getByRole("button", { name: "Revoke key" })
      .click();
    await expect(this.memberRow(name).getByText("Revoked")).toBeVisible();
  }

  async addPhoneNumber(number: string, label = ""): Promise<void> {
    await this.page.getByLabel("Phone number", { exact: true }).fill(number);
    await this.page.getByLabel("Label (optional)").fill(label);
    await this.page.getByRole("button", { name: "Add number" }).click();
  }

  /** The error shown next to a field (its accessible description). */
  fieldError(label: string): Locator {
    return this.page
      .locator(".field")
      .filter({ has: this.page.getByLabel(label, { exact: true }) })
      .locator(".field-error");
  }
}
