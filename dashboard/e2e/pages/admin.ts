// The platform screens as a LeadPilot administrator drives them: find a workspace, suspend or reactivate it, log
// in as its owner, read the reports and the audit log, edit the default plans; and what the workspace's own users
// then see.
import { expect, type Browser, type Page } from "@playwright/test";
import { signInPage, type Workspace } from "../fixtures";

/** A page of its own (a separate browser context: its own storage), signed in to the workspace. */
export async function pageFor(browser: Browser, baseURL: string | undefined, workspace: Workspace): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  await signInPage(page, workspace);
  return page;
}

let numbers = 0;

/** The workspace texts a contact once, so its usage report (and the platform's) has a charge. */
export async function sendOneText(workspace: Workspace): Promise<void> {
  const tail = () => 2_000_000 + ((Date.now() * 7 + process.pid * 131 + numbers++ * 9973) % 8_000_000);
  const number = await workspace.api("POST", "/phone-numbers", { number: `+1628${tail()}`, label: "Main" });
  expect(number.status, JSON.stringify(number.body)).toBe(201);
  const contact = await workspace.api("POST", "/contacts", { first_name: "Una", phone: `+1628${tail()}` });
  expect(contact.status, JSON.stringify(contact.body)).toBe(201);
  const sent = await workspace.api("POST", "/sms", { contact_id: contact.body.id, body: "Your table is ready" });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
}

export class AdminScreen {
  constructor(readonly page: Page) {}

  async openSection(label: string): Promise<void> {
    await this.page.getByRole("navigation", { name: "Platform sections" }).getByRole("link", { name: label }).click();
    await this.settled();
  }

  async settled(): Promise<void> {
    await expect(this.page.getByRole("status", { name: "Loading" })).toHaveCount(0);
  }

  /** The sidebar's Platform entry (only administrators have it) opens the workspaces list. */
  async openWorkspaces(): Promise<void> {
    await this.page.goto("/app/");
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Platform" }).click();
    await expect(this.page.getByRole("heading", { name: "Workspaces" })).toBeVisible();
    await this.settled();
  }

  /** From the workspaces list to a workspace's page, found by name. */
  async findWorkspace(name: string, listOpen = false): Promise<void> {
    if (!listOpen) await this.openWorkspaces();
    await this.page.getByLabel("Filter workspaces").fill(name);
    await this.page.getByRole("link", { name }).click();
    await expect(this.page.getByRole("heading", { name: new RegExp(name) })).toBeVisible();
  }

  async suspend(reason: string): Promise<void> {
    await this.page.getByLabel("Reason for suspending").fill(reason);
    await this.page.getByRole("button", { name: "Suspend workspace" }).click();
    await expect(this.page.getByRole("button", { name: "Reactivate workspace" })).toBeVisible();
  }

  async reactivate(): Promise<void> {
    await this.page.getByRole("button", { name: "Reactivate workspace" }).click();
    await expect(this.page.getByRole("button", { name: "Suspend workspace" })).toBeVisible();
  }

  async logInAs(reason: string): Promise<void> {
    await this.page.getByLabel("Reason for support access").fill(reason);
    await this.page.getByRole("button", { name: "Log in as this user" }).click();
  }

  banner() {
    return this.page.getByRole("region", { name: "Support session" });
  }

  async endSupportSession(): Promise<void> {
    await this.banner().getByRole("button", { name: "End support session" }).click();
    await expect(this.banner()).toHaveCount(0);
  }

  /** The report's table (the chart's accessible alternative) has a row for this product. */
  async expectReportRow(product: string): Promise<void> {
    await expect(this.page.getByRole("img", { name: /Billed amount by day/ })).toBeVisible();
    await expect(this.page.getByRole("row").filter({ hasText: product }).first()).toBeVisible();
  }

  /** In the Plans section: type an allowance and save the default plans. */
  async setPlanLimit(label: string, value: string): Promise<void> {
    await this.page.getByLabel(label).fill(value);
    await this.page.getByRole("button", { name: "Save default plans" }).click();
  }

  auditRow(action: string) {
    return this.page.getByRole("row").filter({ hasText: action }).first();
  }
}
