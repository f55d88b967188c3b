"""What a moto server or test worker imports to run Step Functions: not the Batch and EC2 backends it never uses."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = """
import sys
from infra.local.moto_main import patch_stepfunctions
patch_stepfunctions()
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_batch
print("ec2 after step functions:", "moto.ec2" in sys.modules, "batch models:", "moto.batch.models" in sys.modules)
import moto.batch
from moto.backends import get_backend
backend = get_backend("batch")["123456789012"]["us-east-1"]
print("batch on first use:", type(backend).__name__, moto.batch.batch_backends is get_backend("batch"))
"""


def test_step_functions_load_without_batch_and_ec2_and_batch_still_loads_when_used() -> None:
    # Given a fresh process that patches and loads moto's Step Functions, its Batch task integration included
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Then Batch's and EC2's backends were not loaded, and the first use of Batch loads them as usual
    assert result.stdout.splitlines() == ["ec2 after step functions: False batch models: False",
                                          "batch on first use: BatchBackend True"]
