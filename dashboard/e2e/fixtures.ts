// What every browser test starts from: a workspace of its own (signed up through the API, so tests run in
// parallel without seeing each other's data) and a page already signed in to it.
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface Workspace {
  email: string;
  password: string;
  name: string;
  token: string;
  refreshToken: string;
  expiresIn: number;
  /** call the API as this workspace's owner */
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
}

let counter = 0;

export async function signUp(request: APIRequestContext, label = "browser"): Promise<Workspace> {
  const unique = `${Date.now().toString(36)}${process.pid}${counter++}`;
  const email = `owner-${unique}@${label}.example.com`;
  const password = "correct-horse-battery";
  const name = "Alex Owner";
  const answer = await request.post("/auth/signup", {
    data: { email, password, name, workspace_name: `${label} ${unique}`, timezone: "America/New_York" },
  });
  expect(answer.status(), await answer.text()).toBe(201);
  const body = await answer.json();
  const call = async (method: string, path: string, data?: unknown) => {
    const reply = await request.fetch(path, {
      method,
      data,
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    const text = await reply.text();
    return { status: reply.status(), body: text ? JSON.parse(text) : null };
  };
  return {
    email,
    password,
    name,
    token: body.access_token,
    refreshToken: body.refresh_token,
    expiresIn: body.expires_in,
    api: call,
  };
}

/** A new workspace whose owner is a LeadPilot platform administrator: the local cloud's dev-only route grants it
 * (404 in a deployed stage), and a new login picks it up (the flag is read at login). */
export async function platformAdmin(request: APIRequestContext): Promise<Workspace> {
  const admin = await signUp(request, "platform");
  const granted = await admin.api("POST", "/dev/platform-admin", {});
  expect(granted.status, JSON.stringify(granted.body)).toBe(200);
  const login = await request.post("/auth/login", { data: { email: admin.email, password: admin.password } });
  expect(login.status(), await login.text()).toBe(200);
  const tokens = await login.json();
  const call = async (method: string, path: string, data?: unknown) => {
    const reply = await request.fetch(path, {
      method,
      data,
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    const text = await reply.text();
    return { status: reply.status(), body: text ? JSON.parse(text) : null };
  };
  return {
    ...admin,
    token: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresIn: tokens.expires_in,
    api: call,
  };
}

/** Put the workspace's session where the app keeps it, before the app's first script runs. */
export async function signInPage(page: Page, workspace: Workspace): Promise<void> {
  const session = {
    accessToken: workspace.token,
    refreshToken: workspace.refreshToken,
    expiresAt: Date.now() + workspace.expiresIn * 1000,
    user: { name: workspace.name, email: workspace.email },
  };
  await page.addInitScript((value) => {
    if (!localStorage.getItem("leadpilot.session")) localStorage.setItem("leadpilot.session", value);
  }, JSON.stringify(session));
}

// The rules of WCAG 2.x levels A and AA, the standard the dashboard is held to; axe's other rules are its
// best-practice advice, and a third of what each pass costs.
const WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Fail on serious or critical WCAG A/AA violations of the screen as it is now.
 *
 * axe-core runs in the page itself: its 650 KB are evaluated once per document (the app moves between screens
 * without reloading, so a journey's later passes reuse it), and only the violations come back, summarised, where
 * a full result lists every node of every rule that passed (the dashboard has no frames for axe to merge).
 *
 * A scroll container with a sticky header (the contacts table) is read scrolled to its top, then put back: axe's
 * target-size rule places a sticky element as if it scrolled with the content (axe-core issue 3720), so a row
 * half under the header, wherever the last click left the scroll, fails against the header's buttons. */
export async function expectAccessible(page: Page): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const serious = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
    const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const scrolled = [...document.querySelectorAll<HTMLElement>("*")].filter(
      (el) => el.scrollTop > 0 && [...el.children].some((child) => getComputedStyle(child).position === "sticky"),
    );
    const kept = scrolled.map((el) => el.scrollTop);
    for (const el of scrolled) el.scrollTop = 0;
    if (scrolled.length) await frame(); // a virtualised list renders the rows it now shows
    const results = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    scrolled.forEach((el, n) => (el.scrollTop = kept[n] ?? 0));
    return results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id}: ${v.help} (${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(" "))
            .join(", ")})`,
      );
  }, WCAG_AA);
  expect(serious, "serious accessibility violations").toEqual([]);
}

/** Keep a picture of a main screen (dashboard/test-results/screens/<name>.png), in its glass look. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync("test-results/screens", { recursive: true });
  const reduced = solidPanels.get(page);
  await reduced?.(false);
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: false });
  await reduced?.(true);
}

// The journeys run as a user who turned on "reduce transparency" sees the app: solid panels of the same colours
// (so axe's contrast checks read what the glass shows) without the blur behind each one, which software
// compositing redraws on every frame (two thirds of the browser's drawing work). Screenshots keep the glass.
// Playwright emulates the other media features but not this one, so it is set over CDP with theirs.
const solidPanels = new WeakMap<Page, (on: boolean) => Promise<void>>();

async function reduceTransparency(
  page: Page,
  colorScheme: string | null | undefined,
  reducedMotion: string | null | undefined,
): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const set = async (on: boolean) => {
    await cdp.send("Emulation.setEmulatedMedia", {
      features: [
        { name: "prefers-color-scheme", value: colorScheme ?? "" },
        { name: "prefers-reduced-motion", value: reducedMotion ?? "" },
        { name: "prefers-reduced-transparency", value: on ? "reduce" : "" },
      ],
    });
  };
  await set(true);
  solidPanels.set(page, set);
}

export const test = base.extend<{ workspace: Workspace; signedIn: Page }>({
  page: async ({ page, colorScheme, reducedMotion }, use) => {
    await reduceTransparency(page, colorScheme, reducedMotion);
    await use(page);
  },
  workspace: async ({ request }, use) => {
    await use(await signUp(request));
  },
  signedIn: async ({ page, workspace }, use) => {
    await signInPage(page, workspace);
    await use(page);
  },
});

export { expect };
