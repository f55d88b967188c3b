// The inbox as a user sees it: conversations, a thread, the composer and its segment counter.
import { expect, type Page } from "@playwright/test";
import type { Workspace } from "../fixtures";

let numbers = 0;

/** A phone number no other test's workspace holds (a number belongs to one workspace). */
function uniqueNumber(): string {
  // A North American exchange never starts with 0 or 1: keep the seven digits within 2000000-9999999.
  const tail = 2_000_000 + ((Date.now() * 7 + process.pid * 131 + numbers++ * 9973) % 8_000_000);
  return `+1415${tail}`;
}

/** The workspace gets a number and a contact with a phone; returns the contact's id and phone. */
export async function contactWhoTexts(workspace: Workspace, firstName: string, lastName: string) {
  const number = await workspace.api("POST", "/phone-numbers", { number: uniqueNumber(), label: "Main" });
  expect(number.status, JSON.stringify(number.body)).toBe(201);
  const phone = uniqueNumber();
  const contact = await workspace.api("POST", "/contacts", { first_name: firstName, last_name: lastName, phone });
  expect(contact.status, JSON.stringify(contact.body)).toBe(201);
  return { id: contact.body.id as string, phone };
}

/** The contact's side of the conversation, through the sandbox's signed inbound webhook. */
export async function textFromContact(workspace: Workspace, phone: string, body: string): Promise<void> {
  const answer = await workspace.api("POST", "/dev/sms/inbound", { from: phone, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

export class InboxScreen {
  constructor(readonly page: Page) {}

  async open(contactId?: string): Promise<void> {
    await this.page.goto(`/app/inbox${contactId ? `/${contactId}` : ""}`);
    await expect(this.page.getByRole("heading", { name: "Inbox", level: 1 })).toBeVisible();
  }

  conversation(name: string) {
    return this.page.getByRole("list", { name: "Conversations" }).getByRole("link", { name: new RegExp(name) });
  }

  get thread() {
    return this.page.getByRole("region", { name: "Messages" });
  }

  get message() {
    return this.page.getByLabel("Message", { exact: true });
  }

  get sendButton() {
    return this.page.getByRole("button", { name: "Send text" });
  }

  get counter() {
    return this.page.getByTestId("segment-summary");
  }

  async type(text: string): Promise<void> {
    await this.message.fill(text);
  }

  async send(text: string): Promise<void> {
    await this.type(text);
    await this.sendButton.click();
    await expect(this.message).toHaveValue("");
  }

  bubble(text: string) {
    return this.thread.getByRole("listitem").filter({ hasText: text });
  }
}
