import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { HomeScreen } from "./pages/home";
import { seedDeal, seedPipeline } from "./pages/pipelines";

test("home shows my overdue task, the pipeline's totals and this month's usage", async ({
  signedIn: page,
  workspace,
}) => {
  // Given an overdue task of mine and a pipeline with open deals
  expect(
    (await workspace.api("POST", "/tasks", { title: "Follow up with Dana", due_at: "2020-01-06T09:00" })).status,
  ).toBe(201);
  const pipeline = await seedPipeline(workspace, "Sales");
  await seedDeal(workspace, pipeline, "Acme renewal", "Lead in", "12000"); // weighted at 10%: 1,200
  await seedDeal(workspace, pipeline, "Globex pilot", "Qualified", "3000"); // weighted at 25%: 750

  // When the user opens home
  const home = new HomeScreen(page);
  await home.open();

  // Then each panel shows its part
  await expect(home.panel("My tasks today").getByRole("listitem")).toContainText(["Follow up with Dana"]);
  await expect(home.panel("My tasks today")).toContainText("Overdue");
  const sales = home.panel("Pipelines").getByRole("row", { name: /Sales/ });
  await expect(sales).toContainText("$15,000");
  await expect(sales).toContainText("$1,950");
  await expect(home.panel("Usage this month")).toContainText("SMS segments");
  await expect(home.panel("Unread conversations")).toContainText("All caught up.");
  await expect(home.panel("Automation activity")).toContainText("No automation has run yet.");
  await expectAccessible(page);
  await screenshot(page, "home");
});
