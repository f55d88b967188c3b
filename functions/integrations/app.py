"""Integrations: the catalogue, OAuth connections (Google, Microsoft) and a workspace's own provider credentials."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice, Response

from leadpilot.api.edge import Edge
from leadpilot.identity.authenticate import require_role
from leadpilot.identity.entities import Identity
from leadpilot.ids import parse_id
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot.integrations import catalogue, config, connect, credentials
else:  # domain modules load on first use: a cold start pays only for what its request needs
    catalogue = lazy("leadpilot.integrations.catalogue")
    config = lazy("leadpilot.integrations.config")
    credentials = lazy("leadpilot.integrations.credentials")
    connect = lazy("leadpilot.integrations.connect")

app = Chalice(app_name="leadpilot-integrations")
edge = Edge(app, "leadpilot.integrations")


@edge.route("/integrations", "GET")
def list_integrations() -> dict[str, Any]:
    """Every integration with its status for the workspace (Google and Microsoft: the caller's own)."""
    identity = edge.identity()
    return {"integrations": catalogue.catalogue(edge.settings, config.vault_config(), identity)}


@edge.route("/integrations/oauth/start", "POST")
def start_connect() -> dict[str, Any]:
    """Start connecting Google or Microsoft: the consent URL (PKCE S256, a signed state valid 10 minutes)."""
    identity = edge.identity("write")
    body = edge.body("oauth_start")
    return connect.start_connect(edge.settings, config.vault_config(), identity, body["provider"])


@edge.route("/integrations/oauth/callback", "POST")
def complete_connect() -> dict[str, Any]:
    """Finish connecting with what the provider sent back (state, and code or error); 400 for a bad state."""
    identity = edge.identity("write")
    body = edge.body("oauth_callback")
    return connect.complete_connect(edge.settings, config.vault_config(), identity, body).to_dict()


@edge.route("/integrations/oauth/connections/{connection_id}", "DELETE")
def disconnect(connection_id: str) -> Response:
    """Revoke a connection's tokens at the provider and forget them (your own; any, for admins)."""
    identity = edge.identity("write")
    connect.disconnect(edge.settings, config.vault_config(), identity, parse_id(connection_id, "connection_id"))
    return edge.no_content()


def _admin() -> Identity:
    identity = edge.identity("write")
    require_role(identity, "owner", "admin")
    return identity


@edge.route("/integrations/twilio/credentials", "PUT")
def save_twilio() -> dict[str, Any]:
    """Save the workspace's own Twilio account (admins); only the last 4 of the token are ever shown."""
    identity = _admin()
    return credentials.save(edge.settings, identity, "twilio", edge.body("twilio_credentials")).to_dict()


@edge.route("/integrations/twilio/credentials", "DELETE")
def remove_twilio() -> Response:
    """Forget the workspace's own Twilio account: texts go through the platform's again (admins)."""
    credentials.remove(edge.settings, _admin(), "twilio")
    return edge.no_content()


@edge.route("/integrations/openai/credentials", "PUT")
def save_openai() -> dict[str, Any]:
    """Save the workspace's own OpenAI key (admins); only its last 4 characters are ever shown."""
    identity = _admin()
    return credentials.save(edge.settings, identity, "openai", edge.body("openai_credentials")).to_dict()


@edge.route("/integrations/openai/credentials", "DELETE")
def remove_openai() -> Response:
    """Forget the workspace's own OpenAI key: AI features use the platform's again (admins)."""
    credentials.remove(edge.settings, _admin(), "openai")
    return edge.no_content()
