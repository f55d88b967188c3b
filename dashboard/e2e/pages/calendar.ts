// The calendar screens as a user sees them: booking setup (availability, event types, booking page), the public
// booking page, the appointments grid, and the connected calendars' choices.
import { expect, type Locator, type Page } from "@playwright/test";

export class CalendarScreen {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/calendar");
    await expect(this.page.getByRole("heading", { name: "Calendar", level: 1 })).toBeVisible();
  }

  async openSetup(): Promise<void> {
    await this.page.getByRole("tab", { name: "Booking setup" }).click();
  }

  async saveAvailability(days: string[]): Promise<void> {
    const form = this.page.getByRole("form", { name: "Availability" });
    for (const day of days) await form.getByRole("checkbox", { name: day }).check();
    await form.getByRole("button", { name: "Save availability" }).click();
    await expect(this.page.getByText("Availability saved")).toBeVisible();
  }

  async createEventType(name: string, slug: string, durations: string): Promise<void> {
    await this.page.getByRole("button", { name: "New event type" }).click();
    const form = this.page.getByRole("form", { name: "New event type" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Slug").fill(slug);
    await form.getByLabel("Durations (minutes)").fill(durations);
    await form.getByRole("button", { name: "Create event type" }).click();
    await expect(this.page.getByRole("list", { name: "Event types" }).getByText(name)).toBeVisible();
  }

  async setBookingSlug(slug: string): Promise<void> {
    const form = this.page.getByRole("form", { name: "Booking page" });
    await form.getByLabel("Booking page slug").fill(slug);
    await form.getByRole("button", { name: "Save booking page" }).click();
    await expect(form.getByLabel("Embed on your site (one script tag)")).toBeVisible();
  }

  appointment(label: string): Locator {
    return this.page.getByRole("button", { name: new RegExp(label) });
  }

  async showView(name: "Week" | "Month"): Promise<void> {
    await this.page.getByRole("radio", { name }).click();
  }

  /** A connected account's calendars, in the Connected calendars panel. */
  account(name: string): Locator {
    return this.page.getByRole("region", { name: `${name} calendars` });
  }

  async checkForConflicts(account: string, calendar: string): Promise<void> {
    const box = this.account(account).getByRole("group", { name: "Check for conflicts" }).getByLabel(calendar);
    await box.click(); // the checkbox shows the choice once it is applied (optimistically, then saved)
    await expect(box).toBeChecked();
    await expect(box).toBeEnabled(); // saved
  }

  async addBookingsTo(account: string, calendar: string): Promise<void> {
    const choice = this.account(account).getByLabel("Add bookings to");
    await choice.selectOption({ label: calendar });
    await expect(choice.locator("option:checked")).toHaveText(calendar);
    await expect(choice).toBeEnabled(); // saved
  }
}

export class BookingScreen {
  constructor(readonly page: Page) {}

  async open(workspace: string, slug: string, title: string): Promise<void> {
    await this.page.goto(`/app/book/${workspace}/${slug}`);
    await expect(this.page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  }

  /** Picks the first offered time; returns its label as shown. */
  async pickFirstTime(): Promise<string> {
    const first = this.page
      .getByRole("list", { name: /^Times on/ })
      .first()
      .getByRole("button")
      .first();
    const label = (await first.textContent()) ?? "";
    await first.click();
    return label;
  }

  async book(details: { name: string; email: string }): Promise<void> {
    const form = this.page.getByRole("form", { name: "Your details" });
    await form.getByLabel("Name").fill(details.name);
    await form.getByLabel("Email").fill(details.email);
    await form.getByRole("button", { name: "Book" }).click();
    await expect(this.page.getByRole("heading", { name: "You are booked" })).toBeVisible();
  }

  /** From the confirmation, through the signed link: picks the first other time; returns its label. */
  async moveToFirstOtherTime(): Promise<string> {
    await this.page.getByRole("link", { name: "Reschedule or cancel" }).click();
    await expect(this.page.getByRole("heading", { name: "Your appointment" })).toBeVisible();
    const link = this.page.url();
    await this.page.getByRole("button", { name: "Pick another time" }).click();
    const label = await this.pickFirstTime();
    await expect.poll(() => this.page.url()).not.toBe(link);
    await expect(this.page.getByRole("button", { name: "Pick another time" })).toBeVisible();
    return label;
  }
}
