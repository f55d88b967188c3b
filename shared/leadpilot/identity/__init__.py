"""Workspaces (tenants), users, sessions, invites and API keys."""
