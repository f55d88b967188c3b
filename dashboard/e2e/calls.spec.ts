import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { CallsScreen, eventTypeForCalls, numberForCalls } from "./pages/calls";

test("a number's voice is set up, a test call is answered, and the call shows with its transcript", async ({
  signedIn: page,
  workspace,
}) => {
  const calls = new CallsScreen(page);
  const number = await numberForCalls(workspace);
  await eventTypeForCalls(workspace, "New patient visit");
  // Given the Numbers tab of a workspace with one number and one event type
  await calls.openNumbers();
  await expect(page.getByLabel("Phone number")).toHaveValue(/.+/);

  // When a fallback number that is no phone number is saved, Then the error shows next to that field
  await calls.saveSettings({ fallback: "not a phone" });
  await expect(calls.settings().getByLabel("Fallback number")).toHaveAttribute("aria-invalid", "true");
  await expect(calls.settings().getByRole("alert")).toContainText("is not a phone number");

  // When the greeting, knowledge, event type to book and voice are saved with a real fallback number
  await calls.saveSettings({
    greeting: "Thanks for calling Bright Dental, how can I help?",
    knowledge: "Open Monday to Friday, 9 to 5.",
    fallback: "+1 415 555 0100",
    eventType: "New patient visit",
    voice: "en-US-Journey-F",
  });
  // Then the number is stored normalised and the error is gone
  await expect(calls.settings().getByLabel("Fallback number")).toHaveValue("+14155550100");
  await expect(calls.settings().getByLabel("Fallback number")).not.toHaveAttribute("aria-invalid");
  // And the event type and voice are still there after a reload
  await calls.openNumbers();
  await expect(calls.settings().getByLabel("Booking event type")).toHaveValue(/.+/);
  await expect(calls.settings().getByLabel("Booking event type").locator("option:checked")).toHaveText(
    "New patient visit",
  );
  await expect(calls.settings().getByLabel("Voice", { exact: true })).toHaveValue("en-US-Journey-F");
  await expectAccessible(page);

  // When a test call is placed, Then the agent greets with the new greeting
  await calls.startTestCall();
  await expect(calls.conversation()).toContainText("Thanks for calling Bright Dental");
  // When the caller asks for a message to be taken, Then the agent's reply arrives
  await calls.say("Can you take a message for the dentist?");
  await expect(calls.conversation().locator(".turn-agent")).toHaveCount(2);
  await expect(calls.conversation().locator(".turn-agent").last()).toContainText(
    "What message would you like to leave?",
  );
  await screenshot(page, "calls-test-call");
  await calls.hangUp();

  // Then the call is in the list, completed, and its drawer shows the transcript and the offline analysis
  await calls.openList();
  await expect(calls.rows()).toHaveCount(1);
  await expect(calls.rows().first()).toContainText(number);
  await expect(calls.rows().first()).toContainText("Completed");
  await calls
    .rows()
    .first()
    .getByRole("button", { name: /Inbound/ })
    .click();
  const drawer = calls.drawer();
  await expect(drawer.getByRole("region", { name: "Transcript" })).toContainText(
    "Can you take a message for the dentist?",
  );
  // The analysis runs from a queue after the call ends: it can take a while on a busy machine
  await expect(drawer.getByRole("region", { name: "Analysis" })).toContainText("Outcome:", { timeout: 45_000 });
  await expect(drawer.getByRole("region", { name: "Analysis" })).toContainText("offline rules");
  await expect(drawer).toContainText(/\$\d+\.\d{2}/);
  await expectAccessible(page);
  await screenshot(page, "calls-detail");

  // When a contact marked do not contact is called from their calls, Then the refusal says why
  const contact = await workspace.api("POST", "/contacts", {
    first_name: "Dana",
    phone: "+14155550123",
    do_not_contact: true,
  });
  expect(contact.status, JSON.stringify(contact.body)).toBe(201);
  await page.goto(`/app/calls?contact_id=${contact.body.id}`);
  await page.getByRole("button", { name: "Call with the AI agent" }).click();
  await expect(page.getByRole("alert")).toContainText("marked do not contact");
  await screenshot(page, "calls-refused");
});
