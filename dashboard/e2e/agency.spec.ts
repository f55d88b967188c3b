import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { AgencyScreen, previousMonth } from "./pages/agency";

test("an owner makes the workspace an agency, bills a client, sets it up from a template and enters it", async ({
  signedIn: page,
  workspace,
  request,
}) => {
  // Given a workspace set up by hand: a custom field, a pipeline and a saved text
  const setup = await Promise.all([
    workspace.api("POST", "/contact-fields", { key: "insurer", label: "Insurer", type: "text" }),
    workspace.api("POST", "/pipelines", {
      name: "Patients",
      stages: [
        { name: "New", kind: "open" },
        { name: "Won", kind: "won" },
      ],
    }),
    workspace.api("POST", "/sms-templates", { name: "Welcome", body: "Hi {{first_name|there}}!" }),
  ]);
  expect(setup.map((answer) => answer.status)).toEqual([201, 201, 201]);
  const agencyName = (await workspace.api("GET", "/workspace")).body.name as string;
  const agency = new AgencyScreen(page);

  // When the owner opens the Agency screen / Then it offers to make the workspace an agency
  await agency.open();
  await expectAccessible(page);
  // When they accept and create a client's sub-account
  await agency.becomeAgency();
  await expect(page.getByText("No sub-accounts yet")).toBeVisible();
  await agency.createSubAccount("Bright Dental", "America/Chicago");
  // Then it is listed with its zone
  await expect(agency.subAccountRow("Bright Dental")).toContainText("America/Chicago");
  await expectAccessible(page);
  await screenshot(page, "agency-sub-accounts");

  // Given the client's own activity (in its workspace, through a session there): contacts and two long texts,
  // and a second client without any
  const subId = (await workspace.api("GET", "/agency/sub-accounts")).body.items[0].id as string;
  const opened = await workspace.api("POST", `/agency/sub-accounts/${subId}/open`);
  const asClient = async (path: string, data: unknown) => {
    const answer = await request.post(path, {
      data,
      headers: { Authorization: `Bearer ${opened.body.access_token}` },
    });
    expect(answer.status(), await answer.text()).toBeLessThan(300);
    return answer.json();
  };
  const line = 2_000_000 + ((Date.now() * 7 + process.pid * 131) % 8_000_000);
  await asClient("/phone-numbers", { number: `+1415${line}`, label: "Front desk" });
  const ada = await asClient("/contacts", { first_name: "Ada", phone: `+1415${line + 1}` });
  await asClient("/contacts", { first_name: "Grace", email: "grace@bright.example.com" });
  for (const reminder of ["Your cleaning is tomorrow at 9.", "Your check-up is on Friday at 10."]) {
    await asClient("/sms", { contact_id: ada.id, body: `${reminder} ${"Reply C to confirm. ".repeat(8)}` });
  }
  await workspace.api("POST", "/agency/sub-accounts", { name: "Harbor Plumbing", timezone: "America/New_York" });

  // When a markup out of range is saved / Then the API's refusal shows next to that product's field
  const drawer = await agency.openRebilling("Bright Dental");
  await agency.setMarkup(drawer, "SMS", "-5");
  await expect(drawer.getByLabel("SMS markup (%)")).toHaveAccessibleDescription(/must be between 0 and 1000/);
  // When a valid one is saved / Then it is the sub-account's markup
  await agency.setMarkup(drawer, "SMS", "25");
  await expect(drawer.getByText("Now +25% on segments")).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "agency-rebilling");
  await agency.closeDialog();

  // When a template is captured from the agency and applied to the sub-account
  await agency.go("Templates");
  await agency.captureTemplate("Dental starter", `${agencyName} (this agency)`);
  await expect(agency.templateRow("Dental starter")).toContainText("1 custom field · 1 pipeline · 1 SMS template");
  const report = await agency.applyTemplate("Dental starter", "Bright Dental");
  // Then the report lists each thing copied
  await expect(report.getByRole("status")).toHaveText("3 copied · 0 skipped · 0 failed");
  await expect(report.getByRole("row", { name: /Patients pipeline Copied/ })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "agency-template-report");
  // When it is applied again / Then nothing is copied twice
  await page.getByRole("dialog").getByRole("button", { name: "Apply template" }).click();
  await expect(report.getByRole("status")).toHaveText("0 copied · 3 skipped · 0 failed");
  await expect(report.getByRole("row", { name: /Welcome SMS template Skipped already there/ })).toBeVisible();
  await agency.closeDialog();

  // When the month's rollups open / Then the client's row shows its contacts and markup, and the totals
  await agency.go("Rollups");
  await expect(async () => {
    await page.reload();
    await expect(agency.rollupRow("Bright Dental")).toContainText("+2 new", { timeout: 3000 });
  }).toPass({ timeout: 45_000 }); // the activity counters are fed from the bus through a queue
  await expect(agency.rollupRow("Bright Dental")).toContainText("SMS +25%");
  await expect(agency.rollupRow("Bright Dental")).toContainText(/[1-9]\d* SMS segments/);
  await expect(agency.rollupRow("Harbor Plumbing")).toContainText("0 SMS segments");
  await expect(agency.rollupRow("Total")).not.toContainText("$0.00");
  await expect(page.getByRole("img", { name: /^Billed per sub-account/ })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "agency-rollups");
  // And the month downloads as CSV: a line per sub-account, then the agency's total
  const csv = await agency.downloadCsv();
  expect(csv.name).toMatch(/^rollups-\d{4}-\d{2}\.csv$/);
  expect(csv.lines).toHaveLength(4);
  expect(csv.lines.some((line) => line.includes(",Bright Dental,"))).toBe(true);
  expect(csv.lines.at(-1)).toContain(",TOTAL,2 sub-accounts,");
  // When an earlier month is picked / Then it shows that month (nothing happened then)
  await agency.pickMonth(previousMonth());
  await expect(agency.rollupRow("Total")).toContainText("$0.00");
  // And the screen holds up in the dark theme
  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await agency.go("Rollups");
  await expectAccessible(page);
  await screenshot(page, "agency-rollups-dark");

  // When the owner opens the sub-account / Then the app is inside it, says so, and leads back
  await agency.go("Sub-accounts");
  await agency.openSubAccount("Bright Dental");
  await expect(page.getByRole("link", { name: "Agency" })).toBeVisible();
  await screenshot(page, "agency-inside-sub-account");
  await page.goto("/app/contacts");
  await expect(page.getByRole("link", { name: "Grace" })).toBeVisible();
  await agency.backToAgency(agencyName);
  await expect(agency.subAccountRow("Bright Dental")).toBeVisible();
});
