"""Email over SES: sender identities, the queued send path, tracking, unsubscribe, feedback and replies (ADR 0010)."""
