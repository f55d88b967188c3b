"""Long-running work with progress: CSV import, CSV export and bulk actions."""
