// Browser tests against a running local cloud (LEADPILOT_URL, e.g. http://127.0.0.1:3000), driving Debian's
// chromium through playwright-core. `make test` starts the cloud and runs these (tests/e2e/test_dashboard_browser.py);
// by hand: `make dev` in one terminal, `cd dashboard && LEADPILOT_URL=http://127.0.0.1:3000 npx playwright test`.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/artifacts",
  fullyParallel: true,
  workers: Number(process.env.LEADPILOT_BROWSER_WORKERS ?? 2),
  retries: 0,
  timeout: 120_000, // a journey is a whole user task; CI runs these beside the rest of the suite on 2 cores
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.LEADPILOT_URL ?? "http://127.0.0.1:3000",
    screenshot: "only-on-failure",
    // Recording a trace (DOM snapshots and a screencast of every step) doubles the CPU a journey costs, kept or
    // not; LEADPILOT_BROWSER_TRACE=1 records them again and keeps those of failed tests for `show-trace`.
    trace: process.env.LEADPILOT_BROWSER_TRACE ? "retain-on-failure" : "off",
    viewport: { width: 1360, height: 860 },
    // As a user who asked for less motion sees it: the loading shimmer stands still instead of making the
    // browser draw frames all along (half of its compositor's work).
    reducedMotion: "reduce",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    },
  },
});
