"""What AWS runs loads: only the runtime lock plus shared/ (the layer) imports every function and module."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support.runtime_env import ROOT, python_of, runtime_venv

# Runs inside the runtime venv: import every function's app.py (each from its own folder, as Lambda's
# /var/task) and every module of shared/leadpilot (the layer's /opt/python); report what failed.
_PROBE = r"""
import importlib, importlib.util, json, pkgutil, sys, traceback
from pathlib import Path

failures, imported = {}, []
for app in sorted(Path("functions").glob("*/app.py")):
    name = "function_" + app.parent.name
    try:
        spec = importlib.util.spec_from_file_location(name, app)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        imported.append(str(app))
    except BaseException:
        failures[str(app)] = traceback.format_exc(limit=-3)
import leadpilot
for info in pkgutil.walk_packages(leadpilot.__path__, "leadpilot."):
    try:
        importlib.import_module(info.name)
        imported.append(info.name)
    except BaseException:
        failures[info.name] = traceback.format_exc(limit=-3)
dev_only = [name for name in ("moto", "pytest", "cfnlint", "infra", "tests")
            if importlib.util.find_spec(name) is not None]
print(json.dumps({"imported": imported, "failures": failures, "dev_only_importable": dev_only}))
"""


def _run_probe() -> dict[str, object]:
    env_dir = runtime_venv()
    # Lambda's environment: a region, the layer on the path, and the Lambda markers that switch Tracer on
    # (so its X-Ray SDK must be there); nothing from this machine's venv or the repository root.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT / "shared"),
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "LAMBDA_TASK_ROOT": "/var/task",
           "AWS_LAMBDA_FUNCTION_NAME": "runtime-imports", "POWERTOOLS_SERVICE_NAME": "runtime-imports",
           "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([str(python_of(env_dir)), "-s", "-P", "-c", _PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_runtime_lock_alone_imports_every_function_and_module() -> None:
    # Given a clean venv with only requirements.txt installed, and shared/ on the path as the layer puts it
    # When every functions/*/app.py and every module under shared/leadpilot is imported in it
    result = _run_probe()

    # Then nothing fails to import: no production import of a package missing from the runtime lock
    assert result["failures"] == {}, "\n".join(f"{k}:\n{v}" for k, v in result["failures"].items())  # type: ignore
    apps = sorted(str(p.relative_to(ROOT)) for p in Path(ROOT / "functions").glob("*/app.py"))
    assert [name for name in result["imported"] if name.startswith("functions/")] == apps  # type: ignore
    assert "leadpilot.messages.signatures" in result["imported"]  # type: ignore  # twilio at import time
    # And the environment really is runtime-only: dev packages and the repository's dev code are absent
    assert result["dev_only_importable"] == []
