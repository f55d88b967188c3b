"""The identity a flow acts as, and the loop guard that recognises its own events."""
from __future__ import annotations

from dataclasses import dataclass

from leadpilot.errors import NotFound
from leadpilot.identity import store as identity_store
from leadpilot.identity.entities import Identity

PREFIX = "automation"


@dataclass(frozen=True)
class FlowIdentity(Identity):
    """A run acting in its workspace; its events name it as actor {"type": "system",
    "id": "automation:<flow_id>:<run_id>"} (the event schemas' actor types are user, api_key, system)."""

    flow_id: str = ""
    run_id: str = ""

    def actor(self) -> dict[str, str]:
        return {"type": "system", "id": f"{PREFIX}:{self.flow_id}:{self.run_id}"}


def flow_identity(workspace_id: str, flow_id: str, run_id: str) -> FlowIdentity:
    """The identity of one run (principal: the flow, as an API key would be; full write scope)."""
    item = identity_store.get_workspace_item(workspace_id)
    if item is None:
        raise NotFound("workspace not found", {"field": "workspace_id"})
    return FlowIdentity(workspace=identity_store.to_workspace(item), principal_type="api_key",
                        principal_id=f"{PREFIX}:{flow_id}", role=None, scopes=frozenset({"read", "write"}),
                        flow_id=flow_id, run_id=run_id)


def caused_by_flow(actor: dict[str, str] | None, flow_id: str) -> bool:
    """True when an event was caused by one of this flow's own actions (loop guard)."""
    if not actor or actor.get("type") != "system":
        return False
    parts = str(actor.get("id", "")).split(":")
    return len(parts) == 3 and parts[0] == PREFIX and parts[1] == flow_id
