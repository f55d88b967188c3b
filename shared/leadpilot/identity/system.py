"""The identity a provider's webhook acts as in a workspace (an inbound text, a call): a system actor with
read and write scope, for the contacts, notes and tasks it creates."""
from __future__ import annotations

from dataclasses import dataclass

from leadpilot.errors import NotFound
from leadpilot.identity import store
from leadpilot.identity.entities import Identity


@dataclass(frozen=True)
class SystemIdentity(Identity):
    """Its events and activity name it as actor {"type": "system", "id": <principal_id>}."""

    def actor(self) -> dict[str, str]:
        return {"type": "system", "id": self.principal_id}


def system_identity(workspace_id: str, principal_id: str, field: str = "To") -> SystemIdentity:
    """`principal_id` acting in the workspace; 404 naming `field` (what routed the webhook) when it is gone."""
    item = store.get_workspace_item(workspace_id)
    if item is None:
        raise NotFound("workspace not found", {"field": field})
    return SystemIdentity(workspace=store.to_workspace(item), principal_type="api_key", principal_id=principal_id,
                          role=None, scopes=frozenset({"read", "write"}))
