"""Integrations: the OAuth vault (Google, Microsoft), a workspace's own provider credentials, the catalogue.

Other capabilities use two small entry points:
  vault.access_token(settings, workspace_id, user_id, provider) -> str   (raises vault.ReconnectNeeded)
  credentials.workspace_secret(settings, workspace_id, kind) -> dict | None   (a workspace's own Twilio/OpenAI)
"""
