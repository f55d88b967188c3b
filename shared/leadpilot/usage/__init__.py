"""Usage metering and plan limits: per-workspace counters by day and month, checked atomically before a send.

    from leadpilot import usage
    charge = usage.charge(settings, workspace_id, "emails", 1)        # raises usage.LimitReached (429)
    usage.refund(settings, workspace_id, "emails", 1, charged_at=charge.at)   # the send was refused later
"""
from leadpilot.usage.limits import describe_usage, set_limits
from leadpilot.usage.meter import KINDS, Charge, LimitReached, charge, refund

__all__ = ["KINDS", "Charge", "LimitReached", "charge", "describe_usage", "refund", "set_limits"]
