"""The append-only audit log: security-relevant actions of each workspace, and every platform-admin action."""
