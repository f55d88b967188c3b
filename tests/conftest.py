"""Suite-wide collection rules."""
from __future__ import annotations

from pathlib import Path

import pytest

_E2E = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests share one local cloud and run one after another, on one worker of a parallel run
    (`--dist loadgroup`), while the other workers take the unit and integration tests."""
    for item in items:
        if _E2E in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("e2e"))
