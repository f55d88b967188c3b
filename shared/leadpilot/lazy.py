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
import sys
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for a module; every attribute is read from the real one, imported on the first read."""

    def __getattr__(self, attr: str) -> Any:
        module = sys.modules.get(self.__name__) or importlib.import_module(self.__name__)
        return getattr(module, attr)


def lazy(name: str) -> Any:
    """A stand-in for module `name` that imports it when first used."""
    return LazyModule(name)
