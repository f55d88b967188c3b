"""Domain modules imported on first use, so a function's cold start pays only for what a request touches.

A function module declares each domain module twice, once for the type checker and once lazily:

    if TYPE_CHECKING:
        from leadpilot.contacts import merge
    else:
        merge = lazy("leadpilot.contacts.merge")

and uses it as usual (`merge.merge_contacts(...)`); the first attribute read imports it.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for a module; every attribute is read from the real one, imported on the first read."""

    def __getattr__(self, attr: str) -> Any:
        # import_module, not sys.modules: while another thread is still running the module's body (the local
        # cloud's host serves requests on many threads), sys.modules already holds it half-initialised, and
        # import_module waits for that import to finish.
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> Any:
    """A stand-in for module `name` that imports it when first used."""
    return LazyModule(name)
