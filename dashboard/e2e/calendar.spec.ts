import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { BookingScreen, CalendarScreen } from "./pages/calendar";
import { IntegrationsScreen } from "./pages/integrations";

// The member and the booker share a zone here, so the times on both screens read the same.
test.use({ timezoneId: "America/New_York" });

test("set up booking, book a slot on the public page, and see it in the calendar", async ({
  signedIn: page,
  workspace,
}) => {
  // Given a member who sets hours every day, an event type and a booking page
  const calendar = new CalendarScreen(page);
  await calendar.open();
  await calendar.openSetup();
  await calendar.saveAvailability(["Saturday", "Sunday"]);
  await calendar.createEventType("Intro call", "intro-call", "30");
  const pageSlug = `acme-${Date.now().toString(36)}`;
  await calendar.setBookingSlug(pageSlug);
  await expectAccessible(page);
  await screenshot(page, "calendar-setup");

  // And connects Google Calendar, checks its team calendar for conflicts and adds bookings there
  const integrations = new IntegrationsScreen(page);
  await integrations.open();
  await integrations.connect("Google Calendar");
  await calendar.open();
  await calendar.checkForConflicts("Google Calendar", "Sales team");
  await calendar.addBookingsTo("Google Calendar", "Sales team");
  await expect(calendar.account("Google Calendar").getByLabel("host@example.com")).toBeChecked();
  await expectAccessible(page);
  await screenshot(page, "calendar-connected");
  const catalogue = await workspace.api("GET", "/integrations");
  const google = catalogue.body.integrations.find((entry: { key: string }) => entry.key === "google");
  const chosen = await workspace.api("GET", `/calendar/connections/${google.details.connection.id}/calendars`);
  expect(
    chosen.body.calendars.map((c: { name: string; selected_for_conflicts: boolean; is_write_target: boolean }) => [
      c.name,
      c.selected_for_conflicts,
      c.is_write_target,
    ]),
  ).toEqual([
    ["host@example.com", true, false],
    ["Sales team", true, true],
    ["Holidays in United States", false, false],
  ]);

  // When a visitor opens the public page and books the first offered time
  const booking = new BookingScreen(page);
  await booking.open(pageSlug, "intro-call", "Intro call");
  await expectAccessible(page);
  await screenshot(page, "booking-page");
  await booking.pickFirstTime();
  await booking.book({ name: "Ada Lovelace", email: "ada@example.com" });
  await expectAccessible(page);
  await screenshot(page, "booking-done");

  // When the booker follows the link in the confirmation and moves it to the first other time
  const time = await booking.moveToFirstOtherTime();
  await expectAccessible(page);
  await screenshot(page, "booking-manage");

  // Then the API holds the appointment, and the calendar shows it (this week or the next)
  const listed = await workspace.api("GET", "/appointments");
  expect(listed.body.items.map((a: { name: string }) => a.name)).toEqual(["Ada Lovelace"]);
  await calendar.open();
  await expect(page.getByRole("list", { name: "Appointments, week view" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Connected calendars" })).toContainText("Google Calendar");
  const entry = calendar.appointment(`${time.trim()} Intro call with Ada Lovelace`);
  if (!(await entry.isVisible())) await page.getByRole("button", { name: "Next" }).click();
  await expect(entry).toBeVisible();
  await entry.click();
  await expect(page.getByRole("region", { name: "Appointment with Ada Lovelace" })).toContainText("booked");
  await expectAccessible(page);
  await screenshot(page, "calendar-week");
  await calendar.showView("Month");
  await expect(page.getByRole("list", { name: "Appointments, month view" })).toBeVisible();
  await screenshot(page, "calendar-month");
});
