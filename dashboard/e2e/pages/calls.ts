// The Calls screens as a user drives them: a number's voice settings, a test call, the list and a call's drawer.
import { expect, type Locator, type Page } from "@playwright/test";
import type { Workspace } from "../fixtures";

let numbers = 0;

/** A phone number no other test's workspace holds (a number belongs to one workspace). */
function uniqueNumber(): string {
  const tail = 2_000_000 + ((Date.now() * 11 + process.pid * 137 + numbers++ * 9967) % 8_000_000);
  return `+1628${tail}`;
}

/** An event type of the workspace's calendar (on weekday office hours), for the agent to book into. */
export async function eventTypeForCalls(workspace: Workspace, name: string): Promise<void> {
  const hours = [{ start: "09:00", end: "17:00" }];
  const weekly = { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours };
  const schedule = await workspace.api("POST", "/availability/schedules", { name: "Office", timezone: "UTC", weekly });
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
  const created = await workspace.api("POST", "/event-types", { name, slug: "new-patient", durations: [30] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** The workspace gets a phone number for the AI receptionist to answer. */
export async function numberForCalls(workspace: Workspace): Promise<string> {
  const number = await workspace.api("POST", "/phone-numbers", { number: uniqueNumber(), label: "Front desk" });
  expect(number.status, JSON.stringify(number.body)).toBe(201);
  return number.body.number as string;
}

export class CallsScreen {
  constructor(readonly page: Page) {}

  async openNumbers(): Promise<void> {
    await this.page.goto("/app/calls/numbers");
    await expect(this.page.getByRole("heading", { name: "Calls", level: 1 })).toBeVisible();
    await expect(this.page.getByRole("button", { name: "Save voice settings" })).toBeVisible();
  }

  settings(): Locator {
    return this.page.getByRole("form", { name: /^Voice settings of / });
  }

  async saveSettings(changes: {
    greeting?: string;
    knowledge?: string;
    fallback?: string;
    eventType?: string;
    voice?: string;
  }): Promise<void> {
    const form = this.settings();
    if (changes.greeting !== undefined) await form.getByLabel("Greeting").fill(changes.greeting);
    if (changes.knowledge !== undefined) await form.getByLabel("Knowledge").fill(changes.knowledge);
    if (changes.fallback !== undefined) await form.getByLabel("Fallback number").fill(changes.fallback);
    if (changes.eventType !== undefined)
      await form.getByLabel("Booking event type").selectOption({ label: changes.eventType });
    if (changes.voice !== undefined) await form.getByLabel("Voice", { exact: true }).fill(changes.voice);
    await form.getByRole("button", { name: "Save voice settings" }).click();
  }

  testCall(): Locator {
    return this.page.getByRole("region", { name: "Test call" });
  }

  conversation(): Locator {
    return this.page.getByRole("list", { name: "Test call conversation" });
  }

  async startTestCall(): Promise<void> {
    await this.testCall().getByRole("button", { name: "Start test call" }).click();
    await expect(this.testCall().getByLabel("What the caller says")).toBeVisible();
  }

  async say(text: string): Promise<void> {
    await this.testCall().getByLabel("What the caller says").fill(text);
    await this.testCall().getByRole("button", { name: "Say" }).click();
  }

  async hangUp(): Promise<void> {
    await this.testCall().getByRole("button", { name: "Hang up" }).click();
    await expect(this.testCall().getByRole("link", { name: "Open the call" })).toBeVisible();
  }

  async openList(): Promise<void> {
    await this.page.getByRole("navigation", { name: "Calls sections" }).getByRole("link", { name: "Calls" }).click();
    await expect(this.page.getByRole("table", { name: "Calls" })).toBeVisible();
  }

  rows(): Locator {
    return this.page.getByRole("table", { name: "Calls" }).locator("tbody tr");
  }

  drawer(): Locator {
    return this.page.getByRole("dialog", { name: "Call" });
  }
}
