"""Notifications: in-app messages to a member, an exact unread count, and per-type preferences."""
