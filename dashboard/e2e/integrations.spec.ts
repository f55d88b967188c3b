import { test, expect, expectAccessible, screenshot } from "./fixtures";
import { IntegrationsScreen } from "./pages/integrations";

test("the owner connects Google through the provider and saves an OpenAI key shown only by its last 4", async ({
  signedIn: page,
}) => {
  const screen = new IntegrationsScreen(page);
  // Given the integrations screen of a new workspace
  await screen.open();
  await screen.expectStatus("Google Calendar", "Not connected");
  await expectAccessible(page);

  // When the owner connects Google Calendar (the local OAuth stub approves and sends the browser back)
  await screen.connect("Google Calendar");
  // Then its card says connected and offers to disconnect
  await screen.expectStatus("Google Calendar", "Connected");
  await expect(
    screen.card("Google Calendar").getByRole("button", { name: "Disconnect Google Calendar" }),
  ).toBeVisible();

  // When an OpenAI key is saved
  const key = "sk-browser-" + "x".repeat(20) + "T3ST";
  await screen.saveOpenAiKey(key);
  // Then only its last 4 characters are shown, the field is empty again, and the key is nowhere on the page
  const openai = screen.card("OpenAI");
  await expect(openai.getByText("Your own key, ending T3ST")).toBeVisible();
  await screen.expectStatus("OpenAI", "Connected");
  await expect(openai.getByLabel("OpenAI API key")).toHaveValue("");
  expect(await page.content()).not.toContain(key);
  await expectAccessible(page);
  await screenshot(page, "integrations");
});
