// The tasks screen as a user sees it: views as tabs, tasks as list items, the task form with its repeat editor.
import { expect, type Locator, type Page } from "@playwright/test";

export interface NewTask {
  title: string;
  due: string; // datetime-local value, wall time in the browser's zone
  repeat?: { every: "Daily" | "Weekly" | "Monthly"; days?: string[]; times?: number };
}

export class TasksScreen {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/tasks");
    await expect(this.page.getByRole("heading", { name: "Tasks", level: 1 })).toBeVisible();
  }

  async showView(name: "Mine" | "Team" | "Overdue"): Promise<void> {
    await this.page.getByRole("tab", { name }).click();
  }

  task(title: string): Locator {
    return this.page.getByRole("list", { name: "Tasks" }).getByRole("listitem").filter({ hasText: title });
  }

  async complete(title: string): Promise<void> {
    // A click, not check(): the task leaves the list at once, so its box is never seen ticked.
    await this.page.getByRole("checkbox", { name: `Complete ${title}` }).click();
  }

  async reschedule(title: string, due: string): Promise<void> {
    await this.page.getByRole("button", { name: `Reschedule ${title}` }).click();
    await this.task(title).getByLabel("New due time").fill(due);
    await this.task(title).getByRole("button", { name: "Save" }).click();
  }

  async create(task: NewTask): Promise<void> {
    await this.page.getByRole("button", { name: "New task" }).click();
    const form = this.page.getByRole("dialog", { name: "New task" });
    await form.getByLabel("Title").fill(task.title);
    await form.getByLabel("Due").fill(task.due);
    if (task.repeat) {
      await form.getByLabel("Repeat", { exact: true }).selectOption({ label: task.repeat.every });
      for (const day of task.repeat.days ?? []) await form.getByRole("checkbox", { name: day }).check();
      if (task.repeat.times) {
        await form.getByLabel("Ends").selectOption({ label: "After a number of times" });
        await form.getByLabel("Times").fill(String(task.repeat.times));
      }
    }
    await form.getByRole("button", { name: "Create task" }).click();
    await expect(form).toBeHidden();
  }
}
