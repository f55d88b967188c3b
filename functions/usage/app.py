"""Usage: the workspace's metered counters (today, this month) against its plan limits and add-ons."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Chalice

from leadpilot.api.edge import Edge
from leadpilot.identity.authenticate import require_role
from leadpilot.lazy import lazy

if TYPE_CHECKING:
    from leadpilot import usage
else:  # domain modules load on first use: a cold start pays only for what its request needs
    usage = lazy("leadpilot.usage")

app = Chalice(app_name="leadpilot-usage")
edge = Edge(app, "leadpilot.usage")
ADMINS = ("owner", "admin")


@edge.route("/usage", "GET")
def get_usage() -> dict[str, Any]:
    return usage.describe_usage(edge.identity())


@edge.route("/usage/limits", "PUT")
def put_usage_limits() -> dict[str, Any]:
    identity = edge.identity("write")
    require_role(identity, *ADMINS)
    return usage.set_limits(identity, edge.body("usage_limits"))
