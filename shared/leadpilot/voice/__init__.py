"""AI voice calls: per-number voice configuration, inbound and outbound calls on Twilio Voice, the
ConversationRelay agent, call records with transcripts and post-call analysis (ADR 0025)."""
