// The dashboard's figures in headless chromium (run by bench/dashboard.py, which starts the cloud and seeds it).
// Prints one JSON line: initial JS per screen, contacts time to interactive, and frame figures while scrolling
// the contacts table, dragging a deal on the board and dragging a node on a 200-node canvas (within the canvas, and
// to its edge, where it pans).
import { chromium } from "playwright-core";

const url = process.env.LEADPILOT_URL;
const session = process.env.BENCH_SESSION;
const pipeline = process.env.BENCH_PIPELINE;
const flow = process.env.BENCH_FLOW;
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ARGS });
const out = {};

async function newPage(signedIn) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  if (signedIn) await context.addInitScript((value) => localStorage.setItem("leadpilot.session", value), session);
  return context.newPage();
}

/** gzipped bytes of the scripts a screen loaded before it settled (transfer sizes as the browser saw them) */
async function scriptKb(page) {
  return page.evaluate(
    () =>
      Math.round(
        performance
          .getEntriesByType("resource")
          .filter((r) => r.initiatorType === "script" || r.name.endsWith(".js"))
          .reduce((sum, r) => sum + (r.encodedBodySize || r.transferSize), 0) / 102.4,
      ) / 10,
  );
}

/** Frames over `ms` while `action` runs: count, share longer than two vsyncs, longest. */
async function frames(page, action, ms = 3000) {
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    window.__stop = false;
    requestAnimationFrame(tick);
  });
  await action();
  await page.waitForTimeout(ms);
  const list = await page.evaluate(() => {
    window.__stop = true;
    return window.__frames.slice(1);
  });
  const dropped = list.filter((f) => f > 33.4).length;
  return {
    frames: list.length,
    dropped_pct: Math.round((1000 * dropped) / Math.max(1, list.length)) / 10,
    longest_ms: Math.round(Math.max(0, ...list)),
  };
}

/** ms from navigation start until no long task for 500 ms after `ready` appears */
async function interactive(page, path, ready) {
  await page.addInitScript(() => {
    window.__lastLong = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__lastLong = e.startTime + e.duration;
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(url + path);
  await ready();
  const firstRows = await page.evaluate(() => Math.round(performance.now()));
  await page.waitForFunction(() => performance.now() - window.__lastLong > 500, null, { timeout: 60_000 });
  // Interactive: the rows are drawn and the last long task (if any) is over.
  const tti = await page.evaluate((drawn) => Math.round(Math.max(window.__lastLong, drawn)), firstRows);
  return { first_rows_ms: firstRows, interactive_ms: tti };
}

// 1. Initial JS of the login and home screens.
{
  const page = await newPage(false);
  await page.goto(`${url}/app/login`);
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await page.waitForLoadState("networkidle");
  out.login_js_kb_gzip = await scriptKb(page);
  await page.context().close();
  const home = await newPage(true);
  await home.goto(`${url}/app/`);
  await home.getByRole("heading", { name: "Home", level: 1 }).waitFor();
  await home.waitForLoadState("networkidle");
  out.home_js_kb_gzip = await scriptKb(home);
  await home.context().close();
}

// 2. Contacts: time to interactive, then scrolling the table.
{
  const page = await newPage(true);
  out.contacts = await interactive(page, "/app/contacts", () => page.getByRole("row").nth(10).waitFor());
  const scroller = await page.evaluateHandle(() => {
    let el = document.querySelector('[role="row"]:nth-of-type(5)') ?? document.querySelector('[role="row"]');
    while (el && !(el.scrollHeight > el.clientHeight + 10 && getComputedStyle(el).overflowY !== "visible"))
      el = el.parentElement;
    return el ?? document.scrollingElement;
  });
  out.contacts_scroll = await frames(page, () =>
    scroller.evaluate((el) => {
      const step = () => {
        el.scrollTop += 120;
        if (!window.__stop) requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    }),
  );
  out.contacts_rows_in_dom = await page.getByRole("row").count();
  await page.context().close();
}

// 3. The board with its deals: render time, then a drag across columns.
if (pipeline) {
  const page = await newPage(true);
  const t0 = Date.now();
  await page.goto(`${url}/app/pipelines/${pipeline}`);
  await page.getByText("Deal 0001", { exact: true }).waitFor({ timeout: 60_000 });
  out.board_render_ms = Date.now() - t0;
  const card = page.getByText("Deal 0001", { exact: true });
  const box = await card.boundingBox();
  out.board_drag = await frames(
    page,
    async () => {
      await page.mouse.move(box.x + 20, box.y + 10);
      await page.mouse.down();
      for (let i = 0; i < 60; i++) await page.mouse.move(box.x + 20 + i * 6, box.y + 10 + (i % 10) * 4);
    },
    1500,
  );
  await page.mouse.up();
  await page.context().close();
}

// 4. The canvas with 200 nodes, as it opens (fitted to the flow): drag the node nearest the canvas's centre
// 180 px without leaving the canvas, then drag it past the canvas's right edge and hold it there, where the canvas
// pans under it every frame (auto-pan): the costlier of the two.
if (flow) {
  const page = await newPage(true);
  const t0 = Date.now();
  await page.goto(`${url}/app/automations/${flow}`);
  await page.locator(".react-flow__node").first().waitFor({ timeout: 60_000 });
  out.canvas_render_ms = Date.now() - t0;
  await page.waitForTimeout(1000);
  out.canvas_nodes_in_dom = await page.locator(".react-flow__node").count();
  const canvas = await page.locator(".flow-canvas").boundingBox();
  const centre = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 2 };
  const start = await page.locator(".react-flow__node").evaluateAll((nodes, c) => {
    const points = nodes.map((node) => {
      const r = node.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    });
    return points.reduce((a, b) => (Math.hypot(a.x - c.x, a.y - c.y) <= Math.hypot(b.x - c.x, b.y - c.y) ? a : b));
  }, centre);
  const drag = async (from, to) => {
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 60; i++)
      await page.mouse.move(from.x + ((to.x - from.x) * i) / 60, from.y + ((to.y - from.y) * i) / 60);
  };
  const moved = { x: start.x + 120, y: start.y + 135 };
  out.canvas_drag = await frames(page, () => drag(start, moved), 1500);
  await page.mouse.up();
  const panned = await page.locator(".react-flow__viewport").getAttribute("style");
  out.canvas_drag_to_edge = await frames(
    page,
    () => drag(moved, { x: canvas.x + canvas.width + 20, y: moved.y }),
    1500,
  );
  await page.mouse.up();
  if ((await page.locator(".react-flow__viewport").getAttribute("style")) === panned)
    throw new Error("the drag to the canvas's edge did not pan the canvas");
  await page.context().close();
}

await browser.close();
console.log(JSON.stringify(out));
