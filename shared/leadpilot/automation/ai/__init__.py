"""AI for automations: the OpenAI provider (structured output only), generating a draft flow from a sentence
(with an offline builder when no key is configured) and the strict schema derived from flow.json (ADR 0012)."""
