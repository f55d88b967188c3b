"""Usage metering and plan limits: per-workspace counters by day and month, checked atomically before a send,
and the ledger of every charge (ADR 0026).

    from leadpilot import usage
    charge = usage.charge(settings, workspace_id, "emails", 1, **usage.email_charge(id))  # LimitReached (429)
    usage.refund(settings, workspace_id, "emails", 1, charged_at=charge.at, **usage.email_refund(id))
"""
from leadpilot.usage.ledger import LedgerRef, email_charge, email_refund, sms_charge, sms_refund
from leadpilot.usage.limits import describe_usage, set_limits
from leadpilot.usage.meter import KINDS, Charge, LimitReached, charge, refund

__all__ = ["KINDS", "Charge", "LedgerRef", "LimitReached", "charge", "describe_usage", "email_charge", "email_refund",
           "refund", "set_limits", "sms_charge", "sms_refund"]
