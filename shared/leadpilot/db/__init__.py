"""Data access: pynamodb models bound to the tables named in Settings."""
