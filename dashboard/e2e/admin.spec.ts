// Platform administration: a LeadPilot administrator suspends and reactivates a workspace (whose user sees why),
// reads the usage report and the audit log, edits a default plan; and logs in as a user for support, which the
// workspace then sees.
import { expect, expectAccessible, platformAdmin, screenshot, test } from "./fixtures";
import { AdminScreen, pageFor, sendOneText } from "./pages/admin";

test("an administrator suspends a workspace, its user sees why, then reactivates it and reads the reports", async ({
  browser,
  baseURL,
  request,
  workspace,
}) => {
  // Given a workspace that has sent a text, its owner signed in, and a platform administrator
  await sendOneText(workspace);
  const admin = await platformAdmin(request);
  const adminPage = await pageFor(browser, baseURL, admin);
  const screen = new AdminScreen(adminPage);
  const tenantName = (await workspace.api("GET", "/me")).body.workspace.name as string;

  // When the administrator finds the workspace and suspends it with a reason
  await screen.openWorkspaces();
  await expect(adminPage.getByRole("link", { name: tenantName })).toBeVisible();
  await screenshot(adminPage, "admin-workspaces");
  await screen.findWorkspace(tenantName, true);
  await expectAccessible(adminPage);
  await screenshot(adminPage, "admin-workspace");
  await screen.suspend("Unpaid invoice for November");

  // Then the workspace's user sees a full-page message with the reason instead of broken screens
  const userPage = await pageFor(browser, baseURL, workspace);
  await userPage.goto("/app/contacts");
  await expect(userPage.getByRole("heading", { name: "This workspace is suspended" })).toBeVisible();
  await expect(userPage.getByText("Unpaid invoice for November")).toBeVisible();
  await expectAccessible(userPage);
  await screenshot(userPage, "admin-suspended-user");

  // When the administrator reactivates it, Then the user's screens work again
  await screen.reactivate();
  await userPage.getByRole("button", { name: "Try again" }).click();
  await expect(userPage.getByRole("heading", { name: "Contacts", level: 1 })).toBeVisible();

  // And the administrator's usage report shows the text, with its table; the audit log the suspension
  await screen.openSection("Usage");
  await screen.expectReportRow("SMS segments");
  await expectAccessible(adminPage);
  await screenshot(adminPage, "admin-usage");
  await adminPage.getByRole("button", { name: "Switch to dark theme" }).click();
  await screenshot(adminPage, "admin-usage-dark");
  await screen.openSection("Audit log");
  await adminPage.getByLabel("Action").fill("platform.workspace.suspended");
  await adminPage.getByRole("button", { name: "Filter" }).click();
  await expect(screen.auditRow("platform.workspace.suspended")).toBeVisible();
  await expectAccessible(adminPage);
  await screenshot(adminPage, "admin-audit");

  // When the administrator raises a default plan's allowance past what the API accepts: the field says why
  await screen.openSection("Plans");
  const limit = "growth Voice minutes per month";
  const raised = String(Number(await adminPage.getByLabel(limit).inputValue()) + 1);
  await screen.setPlanLimit(limit, "2000000000");
  await expect(adminPage.getByLabel(limit)).toHaveAccessibleDescription(/1000000000/);
  // Then a valid allowance is saved, and is still there after a reload
  await screen.setPlanLimit(limit, raised);
  await expect(adminPage.getByText("Default plans saved")).toBeVisible();
  await adminPage.reload();
  await expect(adminPage.getByLabel(limit)).toHaveValue(raised);
  await expectAccessible(adminPage);
  await screenshot(adminPage, "admin-plans");
});

test("an administrator logs in as a user with a reason; the workspace sees the support access", async ({
  browser,
  baseURL,
  request,
  signedIn,
  workspace,
}) => {
  // Given a platform administrator and a workspace that has sent a text
  await sendOneText(workspace);
  const admin = await platformAdmin(request);
  const adminPage = await pageFor(browser, baseURL, admin);
  const screen = new AdminScreen(adminPage);
  const tenantName = (await workspace.api("GET", "/me")).body.workspace.name as string;
  await screen.findWorkspace(tenantName);

  // When they log in as its owner with a reason
  await screen.logInAs("Customer asked for help with their pipeline");

  // Then a banner across the app names the user, and the app shows the user's workspace
  await expect(screen.banner()).toContainText(workspace.email);
  await expect(adminPage.getByRole("banner").getByText(tenantName)).toBeVisible();
  await expect(adminPage.getByRole("link", { name: "Platform" })).toHaveCount(0);
  await expectAccessible(adminPage);
  await screenshot(adminPage, "admin-support-banner");

  // When they end the support session, Then they are back in the platform screens as themselves
  await screen.endSupportSession();
  await expect(adminPage.getByRole("navigation", { name: "Platform sections" })).toBeVisible();

  // And the workspace's owner sees the session and its entries in Settings
  await signedIn.goto("/app/settings/audit");
  const sessions = signedIn.getByRole("region", { name: "Support sessions" });
  await expect(sessions.getByRole("row").filter({ hasText: "Customer asked for help" })).toContainText(admin.email);
  await expect(signedIn.getByRole("row").filter({ hasText: "support.impersonation_started" })).toBeVisible();
  await expect(signedIn.getByRole("row").filter({ hasText: "support.impersonation_ended" })).toBeVisible();
  await expectAccessible(signedIn);
  await screenshot(signedIn, "settings-audit");
  // And their usage report shows the text, downloadable as CSV
  await signedIn.goto("/app/settings/usage-report");
  await new AdminScreen(signedIn).expectReportRow("SMS segments");
  await screenshot(signedIn, "settings-usage-report");
  const download = signedIn.waitForEvent("download");
  await signedIn.getByRole("button", { name: "Download CSV" }).click();
  expect((await download).suggestedFilename()).toMatch(/^usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
});
