"""LeadPilot infrastructure: the embedded local cloud, deploy helpers and seed data."""
