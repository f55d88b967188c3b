// The contacts screens as a user sees them: the list (search, selection, bulk actions, import) and the profile.
import { expect, type Locator, type Page } from "@playwright/test";

export class ContactsList {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/contacts");
    await expect(this.page.getByRole("heading", { name: "Contacts", level: 1 })).toBeVisible();
    // The first page can wait behind other work on a busy local cloud.
    await expect(this.page.getByRole("status", { name: "Loading contacts" })).toHaveCount(0, { timeout: 30_000 });
  }

  get table(): Locator {
    return this.page.getByRole("table", { name: "Contacts" });
  }

  row(name: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }

  async createContact(fields: Record<string, string>): Promise<void> {
    await this.page.getByRole("button", { name: "New contact" }).click();
    const dialog = this.page.getByRole("dialog", { name: "New contact" });
    for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label, { exact: true }).fill(value);
    await dialog.getByRole("button", { name: "Create contact" }).click();
  }

  /** Scroll the table so that a row's name link is half under the sticky header, then focus that link as Tab
   * would; where the link and the header's bottom edge end up. */
  async focusNameUnderHeader(): Promise<{ top: number; headerBottom: number }> {
    return this.table.evaluate(async (table) => {
      const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const head = table.querySelector('[role="rowgroup"]') as HTMLElement;
      const headerBottom = head.getBoundingClientRect().bottom;
      const straddling = () =>
        [...table.querySelectorAll<HTMLElement>('[role="cell"] a')].find((a) => {
          const box = a.getBoundingClientRect();
          return box.top < headerBottom - 4 && box.bottom > headerBottom + 4;
        });
      let link: HTMLElement | undefined;
      for (let top = 100; !link && top < 200; top += 4) {
        table.scrollTop = top;
        await frame();
        link = straddling();
      }
      if (!link) throw new Error("no name link straddles the header's edge");
      link.focus();
      await frame();
      return { top: link.getBoundingClientRect().top, headerBottom };
    });
  }

  async search(text: string): Promise<void> {
    await this.page.getByLabel("Search contacts").fill(text);
  }

  async select(name: string): Promise<void> {
    await this.table.getByRole("checkbox", { name: `Select ${name}` }).check();
  }

  async bulkTag(tags: string): Promise<void> {
    const bar = this.page.getByRole("region", { name: "Bulk actions" });
    await bar.getByLabel("Action").selectOption("tag");
    await bar.getByLabel("Tags").fill(tags);
    await bar.getByRole("button", { name: "Apply" }).click();
  }

  /** Write an email to the selected contacts; the form it is written in, for its button and what it answers. */
  async bulkEmail(subject: string, body: string): Promise<Locator> {
    const bar = this.page.getByRole("region", { name: "Bulk actions" });
    await bar.getByLabel("Action").selectOption("email");
    const form = bar.getByRole("form", { name: "Email to send" });
    await form.getByLabel("Subject").fill(subject);
    await form.getByLabel("Body").fill(body);
    await form.getByRole("button", { name: /^Send to/ }).click();
    return form;
  }

  async importCsv(name: string, csv: string): Promise<Locator> {
    await this.page.getByRole("button", { name: "Import CSV" }).click();
    const dialog = this.page.getByRole("dialog", { name: "Import contacts from CSV" });
    await dialog.getByLabel("CSV file").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    return dialog;
  }
}

export class ContactProfile {
  constructor(readonly page: Page) {}

  async editField(label: string, value: string): Promise<void> {
    await this.page.getByRole("button", { name: `Edit ${label}` }).click();
    await this.page.getByLabel(label, { exact: true }).fill(value);
    await this.page.getByRole("button", { name: "Save" }).click();
  }

  field(label: string): Locator {
    return this.page.locator(".field-row").filter({ has: this.page.getByText(label, { exact: true }) });
  }

  async addNote(text: string, mention?: { typed: string; name: string }): Promise<void> {
    const box = this.page.getByLabel("New note");
    await box.fill(text);
    if (mention) {
      await box.pressSequentially(` @${mention.typed}`);
      await this.page.getByRole("option", { name: new RegExp(mention.name) }).click();
      await box.pressSequentially("please call back.");
    }
    await this.page.getByRole("button", { name: "Add note" }).click();
  }
}
