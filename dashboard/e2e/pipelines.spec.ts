import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { PipelinesScreen, seedDeal, seedPipeline } from "./pages/pipelines";

test("deals move between stages by mouse and keyboard, and the move persists", async ({
  signedIn: page,
  workspace,
}) => {
  // Given a pipeline with several deals in several stages
  const pipeline = await seedPipeline(workspace);
  await seedDeal(workspace, pipeline, "Acme renewal", "Lead in", "12000", "2030-03-15");
  await seedDeal(workspace, pipeline, "Globex pilot", "Lead in", "4500", "2030-04-02");
  await seedDeal(workspace, pipeline, "Initech upgrade", "Qualified", "8000", "2030-03-20");
  await seedDeal(workspace, pipeline, "Umbrella rollout", "Proposal", "30000", "2030-05-10");
  await seedDeal(workspace, pipeline, "Hooli support", "Negotiation", "15000", "2030-04-28");
  await seedDeal(workspace, pipeline, "Stark retainer", "Won", "9000");
  const board = new PipelinesScreen(page);
  await board.open(pipeline.id);
  await expect(board.stage("Lead in").getByRole("listitem")).toHaveCount(2);
  await expectAccessible(page);
  await screenshot(page, "pipeline-board");

  // When a deal is dragged with the mouse to another stage
  const moved = page.waitForResponse((r) => r.url().includes("/move") && r.request().method() === "POST");
  await board.drag("Acme renewal", "Proposal");
  // Then it is there at once, weighted at the stage's probability, and the server agrees
  await board.expectDealIn("Acme renewal", "Proposal");
  expect((await moved).status()).toBe(200);
  await expect(board.stage("Proposal")).toContainText("weighted $21,000");

  // When another deal is moved with the keyboard, one stage to the right
  const keyed = page.waitForResponse((r) => r.url().includes("/move") && r.request().method() === "POST");
  await board.moveWithKeyboard("Globex pilot", 1);
  expect((await keyed).status()).toBe(200);

  // Then both moves persist after a reload
  await page.reload();
  await board.expectDealIn("Acme renewal", "Proposal");
  await board.expectDealIn("Globex pilot", "Qualified");

  // And the deal's drawer shows its history and saves an edited amount
  await board.stage("Proposal").getByRole("button", { name: "Acme renewal", exact: true }).click();
  const drawer = page.getByRole("dialog", { name: "Acme renewal" });
  await expect(drawer.getByRole("region", { name: "Stage history" }).getByRole("listitem")).toHaveCount(2);
  await drawer.getByLabel("Amount (USD)").fill("14000");
  await drawer.getByRole("button", { name: "Save deal" }).click();
  await expect(drawer).toContainText("$14,000");
  await expectAccessible(page);
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(board.card("Acme renewal")).toContainText("$14,000");
});

test("a move someone else made first rolls back and says so", async ({ signedIn: page, workspace }) => {
  // Given a board loaded with a deal in "Lead in"
  const pipeline = await seedPipeline(workspace);
  const deal = await seedDeal(workspace, pipeline, "Contested deal", "Lead in", "5000");
  await seedDeal(workspace, pipeline, "Bystander", "Qualified", "1000");
  const board = new PipelinesScreen(page);
  await board.open(pipeline.id);
  await board.expectDealIn("Contested deal", "Lead in");
  const release = await board.holdBoardRefreshes();

  // When someone else moves the deal first, then the user drags it from where the screen still shows it
  const elsewhere = await workspace.api("POST", `/deals/${deal.id}/move`, {
    stage_id: pipeline.stages["Qualified"],
    version: deal.version,
  });
  expect(elsewhere.status).toBe(200);
  await board.drag("Contested deal", "Proposal");

  // Then the move is refused, the card goes back and the user is told why
  await expect(page.getByText(/Someone else moved “Contested deal”/)).toBeVisible();
  await board.expectDealIn("Contested deal", "Lead in");
  await expect(board.stage("Proposal").getByRole("listitem")).toHaveCount(0);

  // And once the board refreshes it shows where the deal really is
  await release();
  await board.expectDealIn("Contested deal", "Qualified");
});
