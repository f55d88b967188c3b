import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { SettingsScreen } from "./pages/settings";

test("the owner renames the workspace and sets quiet hours; both persist", async ({ signedIn: page }) => {
  const settings = new SettingsScreen(page);
  // Given the settings, opened at their root
  await page.goto("/app/settings");
  await expect(page).toHaveURL(/\/app\/settings\/workspace$/);
  await expect(page.getByRole("status", { name: "Loading" })).toHaveCount(0);
  await expectAccessible(page);

  // When the owner renames the workspace
  await settings.renameWorkspace("Harbor Plumbing Co");
  // Then the top bar shows the new name, and it is still there after a reload
  await expect(page.getByRole("banner")).toContainText("Harbor Plumbing Co");
  await page.reload();
  await expect(page.getByLabel("Workspace name")).toHaveValue("Harbor Plumbing Co");
  await expect(page.getByRole("banner")).toContainText("Harbor Plumbing Co");

  // When quiet hours are switched on for weekdays 09:00-17:30
  await settings.go("Messaging");
  await expectAccessible(page);
  await page.getByLabel("Only send texts inside a daily window").check();
  await page.getByLabel("Send from").fill("09:00");
  await page.getByLabel("Send until").fill("17:30");
  const days = page.getByRole("group", { name: "Days texts may go out" });
  await days.getByLabel("Saturday").uncheck();
  await days.getByLabel("Sunday").uncheck();
  await expect(page.getByText("Texts go out Monday to Friday between 09:00 and 17:30")).toBeVisible();
  await settings.save();
  await settings.expectSaved("Messaging settings saved");
  // Then they come back from the API as saved
  await page.reload();
  await expect(page.getByLabel("Send until")).toHaveValue("17:30");
  await expect(days.getByLabel("Sunday")).not.toBeChecked();
  await expect(days.getByLabel("Monday")).toBeChecked();
  await screenshot(page, "settings-messaging");
});

test("the sender, usage and notification sections show the API's state, save, and are accessible", async ({
  signedIn: page,
  workspace,
}) => {
  const settings = new SettingsScreen(page);
  // Given a workspace without a sender / When one is set / Then it shows its verification state
  await settings.open("email");
  await expectAccessible(page);
  await page.getByLabel("From address").fill("hello@harbor.example.com");
  await page.getByLabel("From name").fill("Harbor Plumbing");
  await settings.save("Set sender");
  await settings.expectSaved("Sender saved");
  await expect(page.getByLabel("Verification")).toContainText("hello@harbor.example.com");

  // When an email is sent from it / Then the usage shows it on the emails bar, against the plan's limit
  const contact = await workspace.api("POST", "/contacts", { first_name: "Ada", email: "ada@example.com" });
  const sent = await workspace.api("POST", "/emails", { contact_id: contact.body.id, subject: "Hi", body: "Hello" });
  expect(sent.status).toBe(202);
  await settings.go("Usage and limits");
  await expect(page.getByRole("listitem").filter({ hasText: "Emails" })).toContainText("1 of 20,000 (0%) this month");
  await expect(page.getByRole("progressbar", { name: "Emails this month" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "settings-usage");

  // When a notification type is switched off / Then it stays off after a reload
  await settings.go("Notifications");
  await expectAccessible(page);
  const mentions = page.getByRole("group", { name: "Someone mentions me in a note" });
  await mentions.getByLabel("In the app").uncheck();
  await settings.save();
  await settings.expectSaved("Notification preferences saved");
  await page.reload();
  await expect(mentions.getByLabel("In the app")).not.toBeChecked();
});

test("an invited member accepts in their own browser; the owner sees them and makes them an admin", async ({
  signedIn: page,
  browser,
  baseURL,
}) => {
  const settings = new SettingsScreen(page);
  const email = `jamie-${Date.now().toString(36)}@invited.example.com`;
  // Given the owner invites Jamie from the members screen
  await settings.open("members");
  await expectAccessible(page);
  const link = await settings.invite(email);
  await expect(page.getByRole("listitem").filter({ hasText: email })).toBeVisible();

  // When Jamie opens the link in another browser and accepts
  const other = await browser.newContext({ baseURL });
  const jamie = await other.newPage();
  await jamie.goto(link);
  await jamie.getByLabel("Your name").fill("Jamie Invitee");
  await jamie.getByLabel("Password").fill("jamie-long-password");
  await jamie.getByRole("button", { name: "Accept invite" }).click();
  // Then Jamie lands on home
  await expect(jamie.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
  // And, as a plain member, is told the server's refusal on the API keys screen
  await jamie.goto("/app/settings/api-keys");
  await expect(jamie.getByRole("alert")).toContainText("requires role owner or admin");
  await other.close();

  // And the owner sees Jamie among the members, and the invite is no longer pending
  await page.reload();
  await expect(settings.memberRow("Jamie Invitee")).toContainText(email);
  await expect(page.getByText("No pending invites.")).toBeVisible();
  // When the owner makes Jamie an admin
  await settings.changeRole("Jamie Invitee", "Admin");
  await settings.expectSaved("Jamie Invitee is now an admin");
  await page.reload();
  await expect(page.getByLabel("Role of Jamie Invitee")).toHaveValue("admin");
  await screenshot(page, "settings-members");
});

test("an API key's secret is shown once, works against the API, and stops working when revoked", async ({
  signedIn: page,
  request,
}) => {
  const settings = new SettingsScreen(page);
  // Given the API keys screen
  await settings.open("api-keys");
  await expect(page.getByText("No API keys yet.")).toBeVisible();
  await expectAccessible(page);
  // When a key with write scope is created
  const secret = await settings.createApiKey("Zapier", true);
  expect(secret.length).toBeGreaterThan(20);
  await settings.closeSecret();
  // Then it is listed without its secret, also after a reload
  await expect(settings.memberRow("Zapier")).toContainText("read, write");
  await page.reload();
  await expect(settings.memberRow("Zapier")).toContainText("Active");
  expect(await page.content()).not.toContain(secret);
  await screenshot(page, "settings-api-keys");

  // And the secret works against the API
  const allowed = await request.get("/contacts", { headers: { "X-Api-Key": secret } });
  expect(allowed.status()).toBe(200);
  // When it is revoked / Then the API refuses it
  await settings.revokeKey("Zapier");
  const refused = await request.get("/contacts", { headers: { "X-Api-Key": secret } });
  expect(refused.status()).toBe(401);
});

test("a phone number the API refuses shows its error next to the field; a valid one is added", async ({
  signedIn: page,
}) => {
  const settings = new SettingsScreen(page);
  await settings.open("phone-numbers");
  await expect(page.getByText("No numbers yet")).toBeVisible();
  await expectAccessible(page);
  // When a value that is not a phone number is added
  await settings.addPhoneNumber("not-a-phone");
  // Then the API's message is next to the field, and the field is marked invalid
  await expect(settings.fieldError("Phone number")).toContainText("is not a phone number");
  await expect(page.getByLabel("Phone number", { exact: true })).toHaveAttribute("aria-invalid", "true");
  // When a national number is added (the workspace's region is US) / Then it is listed in E.164
  // (a number belongs to one workspace on the whole platform, so each run takes a fresh one)
  const exchange = String(200 + Math.floor(Math.random() * 800));
  const line = String(Math.floor(Math.random() * 10_000)).padStart(4, "0");
  await settings.addPhoneNumber(`(415) ${exchange}-${line}`, "Main line");
  await settings.expectSaved(`+1415${exchange}${line} added`);
  await expect(page.getByRole("listitem").filter({ hasText: `+1415${exchange}${line}` })).toContainText("Main line");
});
