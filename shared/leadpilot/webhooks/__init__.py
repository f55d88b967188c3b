"""Outgoing webhooks: endpoints per workspace, Standard Webhooks signing, queued delivery with retries, a
delivery log with replay, and REST hooks (Zapier, Make, n8n) on the same endpoints."""
