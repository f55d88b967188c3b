import { test, expect, expectAccessible, screenshot, signUp } from "./fixtures";

test("a new user signs up, lands on home, logs out and logs back in", async ({ page }) => {
  const stamp = `${Date.now().toString(36)}${process.pid}`;
  const email = `new-${stamp}@signup.example.com`;
  await page.goto("/app/signup");
  await expectAccessible(page);
  await screenshot(page, "signup");
  await page.getByLabel("Your name").fill("Sam Newcomer");
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByLabel("Business name").fill("Sam's Plumbing");
  await page.getByRole("button", { name: "Create workspace" }).click();
  // The API's refusal is shown next to the field it names.
  await expect(page.locator(".field-error")).toHaveText("must be at least 10 characters long");
  await page.getByLabel("Password").fill("a-much-longer-password");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
  await expect(page.getByText("Sam's Plumbing")).toBeVisible();
  // The live socket is connected (updates are pushed, not polled)
  await expect(page.getByText("Live", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-123");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await page.getByLabel("Password").fill("a-much-longer-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
});

test("a screen opened without a session goes to login, then back to it", async ({ page, request }) => {
  const workspace = await signUp(request);
  await page.goto("/app/contacts");
  await expect(page).toHaveURL(/\/app\/login\?next=%2Fcontacts/);
  await page.getByLabel("Email").fill(workspace.email);
  await page.getByLabel("Password").fill(workspace.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/app\/contacts$/);
});

test("an expired access token is refreshed silently; a refused refresh returns to login", async ({ page, request }) => {
  const workspace = await signUp(request);
  // Given a session whose access token is no longer accepted but whose refresh token is
  await page.addInitScript(
    (value) => {
      if (!localStorage.getItem("leadpilot.session")) localStorage.setItem("leadpilot.session", value);
    },
    JSON.stringify({
      accessToken: "expired.token.value",
      refreshToken: workspace.refreshToken,
      expiresAt: Date.now() + 3_600_000,
    }),
  );
  await page.goto("/app/");
  // Then the screen loads with a refreshed token instead of going to login
  await expect(page.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => JSON.parse(localStorage.getItem("leadpilot.session") ?? "{}").accessToken))
    .not.toBe("expired.token.value");

  // When the refresh token is revoked (logged out elsewhere) and the access token stops working
  await workspace.api("POST", "/auth/logout");
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem("leadpilot.session") ?? "{}");
    session.accessToken = "revoked";
    session.refreshToken = "rt_revoked.value";
    localStorage.setItem("leadpilot.session", JSON.stringify(session));
  });
  await page.reload();
  // Then the app returns to login
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
});
