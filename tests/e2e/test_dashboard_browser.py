"""The dashboard in a real browser: the Playwright suite in dashboard/e2e against this suite's local cloud.

The suite drives Debian's chromium through playwright-core (`make test` installs both); each browser test signs
up a workspace of its own, so they run in parallel. Screenshots of the main screens land in
dashboard/test-results/screens/.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import LocalCloudProcess

# Its own group: on another worker it gets a local cloud of its own and runs beside the other e2e modules.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def test_the_dashboard_works_in_a_browser(local_cloud: LocalCloudProcess) -> None:
    # Given the built dashboard served by the local cloud and a browser (both prepared by `make test`)
    assert (DASHBOARD / "dist" / "index.html").is_file(), "the dashboard is not built: run `make dashboard`"
    assert Path(CHROMIUM).exists() or shutil.which("chromium"), "chromium is missing: run `make browser`"
    # When the Playwright suite runs against it
    env = {**os.environ, "LEADPILOT_URL": local_cloud.url, "CI": "1",
           "LEADPILOT_WEBHOOK_RECEIVER": local_cloud.env["LEADPILOT_WEBHOOK_ALLOW"]}
    result = subprocess.run(
        ["npx", "--no-install", "playwright", "test"], cwd=DASHBOARD, env=env, capture_output=True, text=True,
        timeout=900,
    )
    # Then every browser test passed
    assert result.returncode == 0, f"browser tests failed:\n{result.stdout[-12000:]}\n{result.stderr[-4000:]}"
