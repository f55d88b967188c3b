"""Per-capability fixtures of the tenant-isolation suite.

Each module here exports:
  seed(api, token) -> dict[str, str]   create one of each resource in a workspace, return ids by the
                                        route parameter name they fill ({contact_id}, {deal_id}, ...)
  BODIES: dict[(method, path), body]    a valid body for each route that needs one, so a refusal
                                        comes from the id lookup and not from validation
  PUBLIC: set[(method, path)]           routes that take no credentials (optional)
  SECRETS(ids) -> set[str] (optional)   extra strings that must never appear in another tenant's replies
The suite discovers every module in this package; a route whose parameter no module fills fails.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """Every capability module of the isolation suite."""
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
