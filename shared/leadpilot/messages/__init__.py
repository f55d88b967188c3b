"""Message primitives both channels (SMS, email) and automations use: template variables, SMS segment counting
(for previews) and webhook signatures. Pure functions only (no AWS, no HTTP)."""
