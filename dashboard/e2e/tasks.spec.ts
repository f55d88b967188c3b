import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { TasksScreen } from "./pages/tasks";

// The user's clock is in New York, as is the workspace: due times are wall time there.
test.use({ timezoneId: "America/New_York" });

test("complete a task, reschedule one and create a weekly recurring task", async ({ signedIn: page, workspace }) => {
  // Given two open tasks of mine
  const call = await workspace.api("POST", "/tasks", { title: "Call Dana back", due_at: "2020-01-06T09:00" });
  const quote = await workspace.api("POST", "/tasks", {
    title: "Send the quote",
    due_at: "2031-02-03T10:00",
    priority: "high",
  });
  expect([call.status, quote.status]).toEqual([201, 201]);
  const tasks = new TasksScreen(page);
  await tasks.open();
  await expect(tasks.task("Call Dana back")).toContainText("Overdue");
  await expectAccessible(page);

  // When one is completed
  await tasks.complete("Call Dana back");
  // Then it leaves the list and the server has it done
  await expect(page.getByText("Completed “Call Dana back”")).toBeVisible();
  await expect(tasks.task("Call Dana back")).toHaveCount(0);
  await expect.poll(async () => (await workspace.api("GET", `/tasks/${call.body.id}`)).body.status).toBe("done");

  // When another is rescheduled in the user's zone
  await tasks.reschedule("Send the quote", "2031-02-04T15:30");
  await expect(tasks.task("Send the quote")).toContainText("3:30");
  expect((await workspace.api("GET", `/tasks/${quote.body.id}`)).body.due_at).toBe("2031-02-04T20:30:00Z");

  // When a task repeating weekly on Monday and Friday, five times, is created
  await tasks.create({
    title: "Weekly report",
    due: "2031-03-03T09:00",
    repeat: { every: "Weekly", days: ["Monday", "Friday"], times: 5 },
  });
  // Then the list says how it repeats and the API holds the rule
  await expect(tasks.task("Weekly report")).toContainText("Every week on Mon, Fri, 5 times");
  const team = await workspace.api("GET", "/tasks?view=team");
  const report = team.body.items.find((t: { title: string }) => t.title === "Weekly report");
  expect(report).toMatchObject({ recurrence: "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=5", timezone: "America/New_York" });
  await screenshot(page, "tasks");

  // And on a phone the list and the calendar link still fit the screen
  await page.setViewportSize({ width: 375, height: 760 });
  await expect(tasks.task("Weekly report")).toBeVisible();
  await page.getByRole("button", { name: "Get calendar link" }).click();
  await expect(page.getByLabel("Calendar feed URL")).toHaveValue(/\/calendar\/lpc.+\.ics$/);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await expectAccessible(page);
  // And after a reload the screen knows the link is on without showing its secret again
  await page.reload();
  await expect(page.getByTestId("calendar-feed-status")).toContainText("Your calendar link is on");
  await expect(page.getByLabel("Calendar feed URL")).toHaveCount(0);
});
