import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { ContactProfile, ContactsList } from "./pages/contacts";

interface Captured {
  subject: string;
  to: string;
  text: string | null;
}

test("a contact is created, edited in place, noted with a mention and found by search", async ({
  signedIn: page,
  workspace,
}) => {
  const list = new ContactsList(page);
  const profile = new ContactProfile(page);
  await list.open();
  await expect(page.getByText("No contacts yet.")).toBeVisible();

  // A refusal is shown next to the field it names
  await list.createContact({ "First name": "Ada", Email: "not-an-email" });
  await expect(page.getByRole("dialog").locator(".field-error")).toContainText(/email/i);
  await page.getByRole("dialog").getByLabel("Email", { exact: true }).fill("ada@engines.example.com");
  await page.getByRole("dialog").getByRole("button", { name: "Create contact" }).click();

  // The new contact's profile opens; a field is edited in place and stays edited after a reload
  await expect(page.getByRole("heading", { name: "Ada", level: 1 })).toBeVisible();
  await profile.editField("Company", "Analytical Engines");
  await expect(profile.field("Company")).toContainText("Analytical Engines");
  await profile.editField("Last name", "Lovelace");
  await expect(page.getByRole("heading", { name: "Ada Lovelace", level: 1 })).toBeVisible();
  await page.reload();
  await expect(profile.field("Company")).toContainText("Analytical Engines");

  // A note mentioning the owner shows the mention; the timeline has the update
  await profile.addNote("Met at the fair.", { typed: workspace.name.slice(0, 3), name: workspace.name });
  await expect(page.locator(".notes .mention")).toHaveText(`@${workspace.name}`);
  await expect(page.getByRole("region", { name: "Timeline" }).or(page.locator(".timeline"))).toContainText("Updated");
  await expectAccessible(page);
  await screenshot(page, "contact-profile");

  // On a phone the profile fits the screen's width
  await page.setViewportSize({ width: 375, height: 800 });
  await expect(page.getByRole("heading", { name: "Ada Lovelace", level: 1 })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await page.setViewportSize({ width: 1360, height: 860 });

  // Search finds her by company prefix
  await list.open();
  await list.search("Analyt");
  await expect(list.row("Ada Lovelace")).toBeVisible();
  await list.search("Nobody");
  await expect(page.getByText("No contacts match these filters.")).toBeVisible();
});

test("twenty contacts are listed, two are tagged and emailed in bulk", async ({ signedIn: page, workspace }) => {
  // Given twenty contacts, one without an email address (Hedy) and one who asked not to be contacted (Claude)
  const names = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Dennis",
    "Linus",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Katherine",
    "Claude",
    "Niklaus",
    "Guido",
    "Bjarne",
    "Hedy",
  ];
  await Promise.all(
    names.map((first, n) =>
      workspace.api("POST", "/contacts", {
        first_name: first,
        last_name: "Pioneer",
        ...(first === "Hedy" ? {} : { email: `${first.toLowerCase()}@pioneers.example.com` }),
        do_not_contact: first === "Claude",
        company: n % 2 ? "Bell Labs" : "Engines Ltd",
        tags: n % 3 ? ["lead"] : ["customer"],
        source: n % 2 ? "webinar" : "referral",
      }),
    ),
  );
  const list = new ContactsList(page);
  await list.open();
  await expect(page.getByText("20 contacts loaded")).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "contacts");
  // And a name half hidden under the table's sticky header, reached from the keyboard, comes out below it
  const focused = await list.focusNameUnderHeader();
  expect(focused.top, "the focused name's top edge").toBeGreaterThanOrEqual(focused.headerBottom - 0.5);

  // When two are selected and tagged "vip" as a bulk job
  await list.select("Grace Pioneer");
  await list.select("Alan Pioneer");
  await expect(page.getByText("2 selected")).toBeVisible();
  await list.bulkTag("vip");
  // Then the job's progress ends done with both succeeded, and the table shows the tag
  await expect(page.getByRole("progressbar", { name: /Tagging 2 contacts/ })).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByTestId("job-counts")).toContainText("2 succeeded");
  await expect(list.row("Grace Pioneer")).toContainText("vip");
  await expect(list.row("Alan Pioneer")).toContainText("vip");

  // When the workspace has a sender and those two, Hedy and Claude are sent an email
  const sender = await workspace.api("PUT", "/email/sender", { email: "hello@acme.test", name: "Acme" });
  expect(sender.status, JSON.stringify(sender.body)).toBe(200);
  await list.select("Hedy Pioneer");
  await list.select("Claude Pioneer");
  await expect(page.getByText("4 selected")).toBeVisible();
  // (a variable the template language does not know is refused next to the body)
  const email = await list.bulkEmail("Spring sale", "Hi {{frist_name}}");
  await expect(email.getByLabel("Body")).toHaveAccessibleDescription(/unknown variable\(s\): frist_name/);
  await email.getByLabel("Body").fill("Hi {{first_name|there}}");
  await email.getByRole("button", { name: "Send to 4 contacts" }).click();
  // Then two are emailed and the two others are refused, each for its reason
  await expect(
    email.getByText("Emailed 2 of 4 contacts; 2 refused: 1 has no email address, 1 asked not to be contacted"),
  ).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "contacts-bulk-email");
  // And the local SES receives the two emails, each with its contact's name
  const captured = async () => (await workspace.api("GET", "/dev/emails?limit=50")).body.items as Captured[];
  await expect.poll(async () => (await captured()).length, { timeout: 30_000 }).toBe(2);
  const sent = await captured();
  expect(sent.map((m) => m.subject)).toEqual(["Spring sale", "Spring sale"]);
  expect(sent.map((m) => m.to).sort()).toEqual([
    expect.stringContaining("alan@pioneers.example.com"),
    expect.stringContaining("grace@pioneers.example.com"),
  ]);
  expect(sent.find((m) => m.to.includes("grace"))?.text).toContain("Hi Grace");

  // And filtering by the tag finds exactly those two
  await page.getByRole("button", { name: "Clear selection" }).click();
  await page.getByRole("button", { name: /^Filters/ }).click();
  await page.getByLabel("Has any tag").fill("vip");
  await page.getByLabel("Has any tag").press("Enter");
  await expect(page.getByText("2 contacts loaded")).toBeVisible();
});

test("a CSV import shows its progress and the bad row's error", async ({ signedIn: page }) => {
  const list = new ContactsList(page);
  await list.open();
  // Given a HubSpot-style export with one bad row (an email that is not one)
  const csv = [
    "First Name,Last Name,Email,Phone Number,Company Name",
    "Marie,Curie,marie@radium.example.com,,Radium Institute",
    "Pierre,Curie,not-an-email,,Radium Institute",
    "Irene,Joliot,irene@radium.example.com,,Radium Institute",
  ].join("\n");
  const dialog = await list.importCsv("hubspot.csv", csv);
  // Then the columns are detected and the preview shows the rows as contacts
  await expect(dialog.getByLabel("Import column Email as")).toHaveValue("email");
  await expect(dialog.getByLabel("Import column Company Name as")).toHaveValue("company");
  await expect(dialog.getByRole("table", { name: "Import preview" })).toContainText("marie@radium.example.com");
  await expectAccessible(page);
  // When the import runs
  await dialog.getByRole("button", { name: "Start import" }).click();
  // Then it finishes with two imported and the bad row reported by its spreadsheet row number
  await expect(dialog.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  await expect(dialog.getByTestId("job-counts")).toContainText("2 succeeded");
  const errors = dialog.getByRole("table", { name: "Rows with errors" });
  await expect(errors.getByRole("row").nth(1)).toContainText("3");
  await expect(errors).toContainText("email");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(list.row("Marie Curie")).toBeVisible();
});
