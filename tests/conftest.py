"""What every test directory shares: xdist groups that hold on the pytest this suite runs."""
from __future__ import annotations

import pytest


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
