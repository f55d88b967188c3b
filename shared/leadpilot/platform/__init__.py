"""Platform administration: every workspace at a glance, its plan and limits, suspension, erasure, platform-level
provider credentials, default plans and per-workspace feature flags. Platform administrators only."""
