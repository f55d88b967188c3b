import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { startReceiver, WebhooksScreen } from "./pages/webhooks";

test("an endpoint receives a signed test event, sees it in the log and replays it", async ({ signedIn: page }) => {
  const receiver = await startReceiver();
  try {
    const hooks = new WebhooksScreen(page);
    // Given the webhooks screen of a new workspace
    await hooks.open();
    await expect(page.getByText("No endpoints yet")).toBeVisible();
    await expectAccessible(page);

    // When the owner adds an endpoint at a local receiver for two event types
    const secret = await hooks.addEndpoint(receiver.url, "Local receiver", ["deal.won", "contact.created"]);
    // Then the secret is shown once, to copy
    expect(secret).toMatch(/^whsec_/);
    await expectAccessible(page);
    await screenshot(page, "webhooks-secret");
    await hooks.closeSecret();
    await expect(page.getByRole("heading", { name: "Local receiver", level: 1 })).toBeVisible();

    // When a test deal.won event is sent
    await hooks.sendTest("deal.won");
    // Then the receiver gets it, signed, and the log shows it succeeded with its status and latency
    await expect(hooks.deliveries().first()).toContainText("Succeeded");
    await expect(hooks.deliveries().first()).toContainText("200");
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(JSON.parse(receiver.received[0]?.body ?? "{}").type).toBe("deal.won");
    await page.getByRole("button", { name: /^Attempts of deal.won / }).click();
    await expect(page.getByText('{"received": true}')).toBeVisible();
    await expectAccessible(page);
    await screenshot(page, "webhooks-log");

    // When it is replayed, Then a second attempt reaches the receiver with the same webhook-id
    await hooks.replay("deal.won");
    await expect(hooks.deliveries().first().getByRole("cell").nth(2)).toHaveText("2");
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.headers["webhook-id"]).toBe(receiver.received[0]?.headers["webhook-id"]);
  } finally {
    await receiver.close();
  }
});
