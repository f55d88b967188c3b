import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { SequencesScreen } from "./pages/sequences";

test("a sequence of two steps is written with a preview, created, and a contact enrolled", async ({
  signedIn: page,
  workspace,
}) => {
  // Given a contact with an email address, and the workspace's sender (without one, a first step due at once
  // fails its run, and the enrolment is no longer active by the time it is listed)
  const sender = await workspace.api("PUT", "/email/sender", { email: "hello@quill.example.com", name: "Quill Co" });
  expect(sender.status).toBe(200);
  const contact = await workspace.api("POST", "/contacts", {
    first_name: "Rita",
    last_name: "Quill",
    email: `rita.${Date.now()}@example.com`,
  });
  expect(contact.status).toBe(201);
  const sequences = new SequencesScreen(page);

  // When the owner opens sequences (none yet) and writes two steps
  await sequences.open();
  await expect(page.getByText("No sequences yet.")).toBeVisible();
  await expectAccessible(page);
  await sequences.startNew("New lead follow-up");
  await sequences.writeStep(1, {
    day: 1,
    subject: "Thanks for reaching out",
    body: "Hi {{first_name|there}},\n\n**Thanks** for your message.\n\n- a quote within a day\n- [book a call](https://example.com/book)\n\n<script>alert(1)</script>",
  });
  // Then the preview shows the markdown rendered, and raw HTML as text
  const preview = sequences.preview(1);
  await expect(preview.locator("strong")).toHaveText("Thanks");
  await expect(preview.getByRole("link", { name: "book a call" })).toHaveAttribute("href", "https://example.com/book");
  await expect(preview.getByText("<script>alert(1)</script>")).toBeVisible();

  // When the second step is not later than the first, the refusal is shown next to its day
  await sequences.writeStep(2, { day: 1, subject: "Still interested?", body: "Just checking in, *{{first_name}}*." });
  await sequences.sendOnlyWithin("09:00", "17:00");
  await sequences.create();
  await expect(sequences.step(2).getByText("must be later than the previous step's day")).toBeVisible();

  // When it is fixed and created
  await sequences.step(2).getByLabel("Day").fill("4");
  await sequences.create();

  // Then the sequence opens with its stats per step and no one enrolled yet
  await expect(page.getByRole("heading", { name: "New lead follow-up", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/app\/sequences\/[0-9A-Z]{26}$/);
  await expect(sequences.stats.getByRole("row")).toHaveCount(4); // header, two steps, totals
  await expect(page.getByText("Nobody is enrolled yet.")).toBeVisible();

  // When the contact is enrolled
  await sequences.enrol("Rita", "Rita Quill");
  // Then the enrolment is listed
  await expect(page.getByRole("status").filter({ hasText: "Rita Quill enrolled." })).toBeVisible();
  await expect(
    page.getByRole("row").filter({ hasText: "Rita Quill" }).getByRole("button", { name: "Take out" }),
  ).toBeVisible();
  await expectAccessible(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, "sequence-editor");

  // And the list shows it
  await sequences.open();
  await expect(page.getByRole("link", { name: "New lead follow-up" })).toBeVisible();
});
