"""Cold start: loading a function imports its edge and base, not its domain nor the heavy libraries."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from leadpilot import observability
from leadpilot.lazy import LazyModule, lazy
from tests.support.apps import ROOT

# Libraries that cost tens of milliseconds each and that no function needs before its first request.
HEAVY = ("jsonschema", "aws_xray_sdk", "jwt", "cryptography", "markdown_it", "icalendar", "twilio", "openai")

# Runs in a fresh interpreter, as a Lambda cold start does: load every functions/*/app.py, then report what is
# loaded and which modules the functions declare lazily.
_PROBE = r"""
import importlib.util, json, sys
from pathlib import Path
from leadpilot.lazy import LazyModule

declared = {}
for app in sorted(Path("functions").glob("*/app.py")):
    spec = importlib.util.spec_from_file_location("function_" + app.parent.name, app)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    declared[str(app)] = sorted(v.__name__ for v in vars(module).values() if isinstance(v, LazyModule))
loaded = sorted(sys.modules)
exists = {name: importlib.util.find_spec(name) is not None for names in declared.values() for name in names}
print(json.dumps({"declared": declared, "loaded": loaded, "exists": exists}))
"""


@pytest.fixture(scope="module")
def cold() -> dict[str, object]:
    """What a fresh interpreter holds after loading every function (one process for the whole module)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_loading_the_functions_imports_none_of_the_heavy_libraries(cold: dict[str, object]) -> None:
    # Given every function loaded in a fresh interpreter (see the probe)
    loaded = set(cold["loaded"])  # type: ignore[call-overload]

    # Then none of the libraries only some requests need was imported (each is tens of ms of cold start)
    assert [name for name in HEAVY if name in loaded] == []


def test_each_function_imports_its_domain_modules_on_first_use(cold: dict[str, object]) -> None:
    # Given the domain modules each function declares lazily
    declared: dict[str, list[str]] = cold["declared"]  # type: ignore[assignment]
    loaded = set(cold["loaded"])  # type: ignore[call-overload]

    # Then every function declares some, none of them was imported by loading the functions,
    assert all(declared.values()), declared
    assert sorted({name for names in declared.values() for name in names} & loaded) == []
    # and each names a module that exists (a typo would otherwise surface only on the route's first request)
    assert [name for name, found in cold["exists"].items() if not found] == []  # type: ignore[attr-defined]


def test_a_lazy_module_imports_on_first_read_and_answers_as_the_module() -> None:
    # Given a stand-in for a module this process has not imported (a small one of the standard library)
    name = "colorsys"
    sys.modules.pop(name, None)
    stand_in = lazy(name)
    assert isinstance(stand_in, LazyModule) and name not in sys.modules

    # When an attribute is read
    convert = stand_in.rgb_to_hsv

    # Then the module is imported then, and the stand-in answers with the module's own objects
    assert convert is sys.modules[name].rgb_to_hsv
    assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)


def test_a_lazy_module_read_by_two_threads_during_its_import_answers_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a module whose import takes a while and defines its function at the end, and a stand-in for it
    (tmp_path / "slow_domain.py").write_text("import time\ntime.sleep(0.5)\n\ndef send():\n    return 'sent'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_domain", raising=False)
    stand_in = lazy("slow_domain")
    answers: list[str] = []

    def first_use() -> None:
        try:
            answers.append(stand_in.send())
        except AttributeError as error:  # a half-initialised module has no `send` yet
            answers.append(repr(error))

    # When a second request reads it while the first one's import is still running
    first = threading.Thread(target=first_use)
    first.start()
    time.sleep(0.2)
    first_use()
    first.join()

    # Then both get the function: the second waited for the import instead of reading the half-made module
    assert answers == ["sent", "sent"], answers


@pytest.mark.parametrize(("env", "traced"), [
    ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
    ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
    ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ({}, False),
])
def test_x_ray_traces_only_in_lambda_unless_disabled(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                     traced: bool) -> None:
    # Given the environment of a Lambda, SAM local or any other process
    for var in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    observability.tracing_enabled.cache_clear()

    # Then the tracer (and aws_xray_sdk with it) is used only where Powertools would trace
    try:
        assert observability.tracing_enabled() is traced
    finally:
        observability.tracing_enabled.cache_clear()
