"""What starts or resumes runs: the trigger consumer (domain events), schedule triggers, inbound webhooks and
the callbacks that answer parked handoffs and event waits (ADR 0008, 0012)."""
