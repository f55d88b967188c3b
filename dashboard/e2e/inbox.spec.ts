import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { InboxScreen, contactWhoTexts, textFromContact } from "./pages/inbox";

test("a text sent from the inbox is answered through the sandbox and the reply appears live", async ({
  signedIn: page,
  workspace,
}) => {
  // Given a contact who texted the workspace's number
  const maya = await contactWhoTexts(workspace, "Maya", "Lopez");
  await textFromContact(workspace, maya.phone, "Hi! Do you have any openings on Friday?");
  const inbox = new InboxScreen(page);

  // When the owner opens the inbox
  await inbox.open();
  // Then the conversation is listed with its unread count
  await expect(inbox.conversation("^Maya Lopez .* 1 unread$")).toBeVisible();
  await expectAccessible(page);

  // When they open it and write an answer, the segment counter follows: GSM-7, then UCS-2 with an emoji
  await inbox.conversation("Maya Lopez").click();
  await expect(inbox.bubble("openings on Friday")).toBeVisible();
  await expect(inbox.conversation("^Maya Lopez .* 1 unread$")).toHaveCount(0); // opening it marked it read
  await inbox.type("Yes, Friday at 10 works");
  await expect(inbox.counter).toHaveText("23 characters · 1 segment · GSM-7");
  await inbox.type("Yes, Friday at 10 works 😀");
  await expect(inbox.counter).toHaveText("25 characters · 1 segment · UCS-2");
  await inbox.sendButton.click();

  // Then the text is in the thread and the sandbox provider sent it
  await expect(inbox.bubble("Friday at 10 works")).toBeVisible();
  await expect(inbox.bubble("Friday at 10 works").getByText(/^(sent|delivered)/)).toBeVisible();
  const outbox = await workspace.api("GET", "/dev/sms/outbox");
  expect(outbox.body.items.map((m: { body: string }) => m.body).join("\n")).toContain("Yes, Friday at 10 works 😀");

  // When Maya answers, her reply appears in the open thread without a reload
  await textFromContact(workspace, maya.phone, "Perfect, see you then!");
  await expect(inbox.bubble("Perfect, see you then!")).toBeVisible({ timeout: 20_000 });
  await expectAccessible(page);
  await screenshot(page, "inbox");

  // On a phone the thread and the list take turns
  await page.setViewportSize({ width: 375, height: 760 });
  await expect(inbox.conversation("Maya Lopez")).toBeHidden();
  await page.getByRole("link", { name: "← All conversations" }).click();
  await expect(inbox.conversation("Maya Lopez")).toBeVisible();
  await expect(inbox.thread).toBeHidden();
});

test("a contact who texted STOP shows the opt-out and the composer is disabled", async ({
  signedIn: page,
  workspace,
}) => {
  // Given a contact who texted STOP
  const sam = await contactWhoTexts(workspace, "Sam", "Stopper");
  await textFromContact(workspace, sam.phone, "STOP");
  const inbox = new InboxScreen(page);

  // When the owner opens the conversation
  await inbox.open(sam.id);

  // Then the opt-out and the reason are shown and nothing can be sent
  await expect(page.getByText("Opted out of SMS", { exact: true })).toBeVisible();
  await expect(page.getByText("Sending is disabled.")).toBeVisible();
  await expect(page.getByText(/they texted “STOP”/)).toBeVisible();
  await expect(inbox.message).toBeDisabled();
  await expect(inbox.sendButton).toBeDisabled();
  await expect(inbox.conversation("^Sam Stopper .*opted out")).toBeVisible();
  await expectAccessible(page);
});
