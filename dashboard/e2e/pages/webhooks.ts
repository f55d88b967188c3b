// The webhooks screens as a user drives them, and a local receiver the endpoint points at.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { expect, type Locator, type Page } from "@playwright/test";

/** The receiver's host:port: the local cloud lists it in LEADPILOT_WEBHOOK_ALLOW (tests/e2e/conftest.py). */
export const RECEIVER = process.env.LEADPILOT_WEBHOOK_RECEIVER ?? "127.0.0.1:3199";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Listen on RECEIVER and answer 200 to every request, keeping what came. */
export async function startReceiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end('{"received": true}');
    });
  });
  const [host, port] = RECEIVER.split(":");
  await new Promise<void>((resolve) => server.listen(Number(port), host, resolve));
  return {
    url: `http://${RECEIVER}/leadpilot`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export class WebhooksScreen {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/app/webhooks");
    await expect(this.page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
    await expect(this.page.getByRole("status", { name: "Loading" })).toHaveCount(0);
  }

  /** Add an endpoint for these event types; returns the signing secret the dialog shows once. */
  async addEndpoint(url: string, description: string, types: string[]): Promise<string> {
    await this.page.getByRole("button", { name: "Add endpoint" }).click();
    await this.page.getByLabel("Endpoint URL").fill(url);
    await this.page.getByLabel("Description").fill(description);
    for (const type of types) {
      await this.page.getByLabel("Filter event types").fill(type);
      await this.page.getByRole("checkbox", { name: type, exact: true }).check();
    }
    await this.page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = this.page.getByLabel("Signing secret");
    await expect(secret).toHaveValue(/^whsec_/);
    return secret.inputValue();
  }

  async closeSecret(): Promise<void> {
    await this.page.getByRole("button", { name: "I have copied it" }).click();
  }

  async sendTest(type: string): Promise<void> {
    await this.page.getByLabel("Test event type").selectOption(type);
    await this.page.getByRole("button", { name: "Send test event" }).click();
  }

  /** The delivery log's rows (its header row excluded). */
  deliveries(): Locator {
    return this.page.getByRole("table", { name: "Deliveries" }).locator("tbody tr");
  }

  async replay(type: string): Promise<void> {
    await this.page
      .getByRole("button", { name: new RegExp(`^Replay ${type} `) })
      .first()
      .click();
  }
}
