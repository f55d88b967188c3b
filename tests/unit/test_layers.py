"""Layers go one way: the import-linter contracts of pyproject.toml hold, and they catch a breach."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(shared: Path) -> subprocess.CompletedProcess[str]:
    """Run the contracts against the `leadpilot` package found in `shared`."""
    env = {**os.environ, "PYTHONPATH": f"{shared}{os.pathsep}{ROOT}"}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_every_layering_contract_is_kept() -> None:
    # Given the project's own shared/ package
    # When the import contracts are checked
    result = _lint_imports(ROOT / "shared")
    # Then every contract is kept, and all of them were checked
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in result.stdout


def test_a_runtime_import_in_the_flow_document_breaks_the_layers(tmp_path: Path) -> None:
    # Given a copy of shared/ whose flow model imports the runtime's Step Functions calls
    shutil.copytree(ROOT / "shared" / "leadpilot", tmp_path / "leadpilot",
                    ignore=shutil.ignore_patterns("__pycache__"))
    model = tmp_path / "leadpilot" / "automation" / "flows" / "model.py"
    model.write_text(model.read_text() + "\nfrom leadpilot.automation.runs import machines  # noqa: E402\n")
    # When the import contracts are checked
    result = _lint_imports(tmp_path)
    # Then the flow-document and automation-layers contracts name the offending import
    assert result.returncode == 1
    assert "leadpilot.automation.flows.model -> leadpilot.automation.runs.machines" in result.stdout
    assert "2 broken" in result.stdout
