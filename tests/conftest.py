"""What every test directory shares: xdist groups that hold on the pytest this suite runs, botocore's data files
parsed once per process, and workers that end without tearing their heap down."""
from __future__ import annotations

import atexit
import logging
import os
import sys

import pytest

from infra.local import botocore_files, dynamodb_local

# The local clouds and DynamoDB Local servers the tests start live a minute or two: DynamoDB Local runs on its quick
# compiler alone, which starts on half the CPU (infra/local/dynamodb_local.py). Set before any test starts one.
os.environ.setdefault(dynamodb_local.JIT_ENV, "quick")
# Each start of in-process moto gives boto3 a new default session, and the tests' hosts and provisioning make
# sessions of their own: botocore's data files are parsed once per worker instead of once per session.
botocore_files.share()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `--dist loadgroup` keep each xdist_group on one worker.

    pytest-xdist 3.8 marks a grouped test by setting `item._nodeid` to "<nodeid>@<group>", the id its scheduler
    groups by; pytest 9 keeps the id in `item._id`, so the suffix never reached the scheduler and the e2e modules
    were spread over every worker, each starting local clouds of its own. This carries the suffix over."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id  # pytest's own parser of the id xdist wrote

    for item in items:
        grouped = item.__dict__.get("_nodeid")
        if isinstance(grouped, str) and grouped != item.nodeid:
            item._id = coerce_node_id(grouped)  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker leaves as soon as the interpreter starts to exit. By then it has sent every report to the
    controller and joined its threads; what is left is freeing its heap (in-process moto's state, the seeds kept
    for later tests), which took 5-8 CPU-seconds per worker at the end of a full run while the controller waited.
    The controller itself (which writes the summary and the cache) exits as usual."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        atexit.register(_leave_now)


def _leave_now() -> None:
    logging.shutdown()  # flush every log handler: the handlers atexit would run after this one are skipped
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            continue
    os._exit(0)
