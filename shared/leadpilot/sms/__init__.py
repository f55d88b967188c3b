"""SMS (ADR 0007, 0009): compliance, sending numbers, the send path and its worker, Twilio and the sandbox,
inbound texts and status callbacks, conversations and saved text templates."""
