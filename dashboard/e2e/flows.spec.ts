import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { Canvas } from "./pages/canvas";

test.use({ viewport: { width: 1600, height: 1000 } });

test("build a follow-up flow on the canvas, fix what validation finds, publish, and watch a run", async ({
  signedIn: page,
  workspace,
}) => {
  // Given a new blank flow
  await page.goto("/app/automations");
  await expect(page.getByText("No flows yet")).toBeVisible();
  await page.getByRole("button", { name: "New flow" }).click();
  await page.getByLabel("Blank flow").check();
  await page.getByLabel("Name").fill("Follow-up");
  await page.getByRole("button", { name: "Create flow" }).click();
  const canvas = new Canvas(page);
  await expect(canvas.node("start")).toBeVisible();

  // When the follow-up is built from the palette: trigger → send SMS → wait for reply → branch
  const text = await canvas.addNode("Send sms", { x: 0.85, y: 0.3 });
  await canvas.connect("start", "next", text);
  await canvas.autoLayout();
  const wait = await canvas.addNode("Wait for reply", { x: 0.85, y: 0.5 });
  await canvas.connect(text, "next", wait);
  await canvas.autoLayout();
  const branch = await canvas.addNode("Branch", { x: 0.85, y: 0.7 });
  await canvas.connect(wait, "reply", branch);
  await canvas.connect(wait, "timeout", "done");
  await canvas.autoLayout();
  await canvas.connect(branch, "vip", "done");
  await canvas.connect(branch, "else", "done");
  await canvas.autoLayout();
  await canvas.save();

  // Then the text without a body is refused, and the problem shows on that step and in its settings
  await expect(canvas.problemOn(text)).toContainText("body: is required");
  await expectAccessible(page);
  await canvas.openNode(text);
  await expect(canvas.panel.getByLabel("Body")).toHaveAttribute("aria-invalid", "true");
  await screenshot(page, "flow-builder");

  // When the body is written, the flow saved and published
  await canvas.panel.getByLabel("Body").fill("Hi {{contact.first_name|there}}, still interested?");
  await canvas.save();
  await expect(canvas.problemOn(text)).toHaveCount(0);
  await canvas.publish();
  await expect(page.getByText("Published version 1")).toBeVisible();
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await expect(page.getByRole("list", { name: "Published versions" })).toContainText("v1");

  // When the flow is walked for a contact (a dry run), then the path it takes is highlighted on the canvas
  const contact = await workspace.api("POST", "/contacts", { first_name: "Ada", phone: "+14155550123" });
  await page.getByLabel("Find a contact").fill("Ada");
  await page.getByLabel("Contact", { exact: true }).selectOption(contact.body.id);
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Outcome:" })).toBeVisible();
  await expect(canvas.node(text)).toContainText("on the dry-run path");

  // Then the list shows it published
  await page.getByRole("link", { name: "Automations" }).click();
  const row = page.getByRole("row", { name: /Follow-up/ });
  await expect(row).toContainText("published");
  await expect(row).toContainText("v1");
  await expectAccessible(page);
  await screenshot(page, "flows");

  // When a contact is enrolled
  const flowId = page.url().length ? (await workspace.api("GET", "/flows")).body.items[0].id : "";
  const enrolled = await workspace.api("POST", `/flows/${flowId}/enrollments`, { contact_ids: [contact.body.id] });
  expect(enrolled.body.enrolled).toBe(1);

  // Then its steps appear on the run canvas: the text sent, waiting for a reply
  await row.getByRole("link", { name: "Runs of Follow-up" }).click();
  await page.getByRole("region", { name: "Runs" }).getByRole("button").filter({ hasText: /\d/ }).first().click();
  const run = new Canvas(page, /Run canvas/);
  await expect(run.statusOf("start")).toHaveText("done");
  await expect(run.statusOf(text)).toHaveText("done", { timeout: 30_000 });
  await expect(run.statusOf(wait)).toHaveText("waiting here");
  await expect(run.statusOf(branch)).toHaveText("not reached");
  await expect(page.getByRole("list", { name: "Step log" })).toContainText(text);

  // When it is paused and resumed
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(page.getByLabel("Run status paused")).toBeVisible();
  await page.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(page.getByLabel("Run status running")).toBeVisible();
  await expect(page.getByRole("list", { name: "Step log" })).toContainText("resume");
  await expectAccessible(page);
  await screenshot(page, "run-inspector");
});
