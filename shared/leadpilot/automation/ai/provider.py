"""OpenAI for the automation features (flow generation, AI steps): structured output only, imported lazily.

Configuration is read once: OPENAI_API_KEY (no key: every AI feature uses its offline method and says so),
OPENAI_BASE_URL (a local stub in tests), OPENAI_MODEL. See ADR 0012. A workspace's own key, saved in the
integrations panel, replaces the platform's; the key saved in the platform settings comes before OPENAI_API_KEY
(`for_workspace`).
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from leadpilot.errors import DomainError
from leadpilot.observability import logger
from leadpilot.settings import Settings

DEFAULT_MODEL = "gpt-4o-mini"
OFFLINE = "offline"
OPENAI = "openai"


class AiUnavailable(DomainError):
    """The model provider failed or refused; nothing was changed."""

    status = 503
    code = "ai_unavailable"


@dataclass(frozen=True)
class AiConfig:
    api_key: str
    base_url: str | None
    model: str
    timeout_s: float
    own_key: bool = False  # the workspace's own OpenAI key: it pays OpenAI itself, so nothing is metered

    @property
    def online(self) -> bool:
        return bool(self.api_key)

    @property
    def generator(self) -> str:
        """What the output of an AI feature says produced it."""
        return OPENAI if self.online else OFFLINE


def load_ai_config(env: dict[str, str] | None = None) -> AiConfig:
    env = dict(os.environ if env is None else env)
    return AiConfig(api_key=env.get("OPENAI_API_KEY", "").strip(), base_url=env.get("OPENAI_BASE_URL") or None,
                    model=env.get("OPENAI_MODEL", "").strip() or DEFAULT_MODEL,
                    timeout_s=float(env.get("OPENAI_TIMEOUT_S", "") or 20))


@lru_cache(maxsize=1)
def ai_config() -> AiConfig:
    """The process-wide AI configuration, read at cold start."""
    return load_ai_config()


def for_workspace(settings: Settings, config: AiConfig, workspace_id: str) -> AiConfig:
    """The AI configuration a workspace uses: its own OpenAI key when it saved one, else the key the platform saved
    in its settings (cached per process), else the deployment's (OPENAI_API_KEY, or offline)."""
    # on first use: the functions that load this module eagerly (automations) would otherwise pay the vault's
    # imports at every cold start
    from leadpilot.integrations import credentials
    from leadpilot.platform.settings import platform_credential

    own = credentials.workspace_secret(settings, workspace_id, "openai")
    if own is not None:
        return replace(config, api_key=own["api_key"], own_key=True)
    saved = platform_credential(settings, "openai")
    return config if saved is None else replace(config, api_key=saved["api_key"])  # the platform's: metered


@lru_cache(maxsize=32)
def _client(api_key: str, base_url: str | None, timeout_s: float) -> Any:
    import openai  # lazy: a second of cold start that only AI calls pay

    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=1)


def structured(config: AiConfig, name: str, schema: dict[str, Any], messages: list[dict[str, str]], *,
               usage: Callable[[int], None] | None = None) -> dict[str, Any]:
    """One chat completion constrained to a strict JSON schema; the parsed object it returned (`usage` is told the
    tokens it used, for callers that meter them)."""
    parsed, tokens = structured_answer(config, name, schema, messages)
    if usage is not None and tokens:
        usage(tokens)
    return parsed


def structured_answer(config: AiConfig, name: str, schema: dict[str, Any],
                      messages: list[dict[str, str]]) -> tuple[dict[str, Any], int]:
    """As `structured`, with the tokens the completion used (what is metered as ai_tokens)."""
    import openai

    try:
        completion = _client(config.api_key, config.base_url, config.timeout_s).chat.completions.create(
            model=config.model, messages=messages, temperature=0,
            response_format={"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}})
    except openai.OpenAIError as exc:
        logger.warning("OpenAI call failed", extra={"error": type(exc).__name__})
        raise AiUnavailable(f"the AI provider failed ({type(exc).__name__}); try again later") from exc
    message = completion.choices[0].message
    if getattr(message, "refusal", None):
        raise AiUnavailable(f"the AI provider refused: {message.refusal}", {"field": "prompt"})
    try:
        parsed = json.loads(message.content or "")
    except json.JSONDecodeError as exc:
        raise AiUnavailable("the AI provider returned something that is not JSON") from exc
    if not isinstance(parsed, dict):
        raise AiUnavailable("the AI provider returned JSON that is not an object")
    return parsed, int(getattr(getattr(completion, "usage", None), "total_tokens", 0) or 0)


def meter(settings: Settings, config: AiConfig, workspace_id: str, tokens: int, key: str,
          cause: dict[str, str]) -> None:
    """Charge the tokens an AI feature used on the platform's key (after the call: counted, never refused).
    `cause`: {"type": "run", "id": <run>} for a flow's AI step, {"type": "ai_feature", "id": <feature>} else."""
    from leadpilot import usage  # on first use, like the vault above

    if tokens <= 0 or config.own_key or not config.online:
        return
    usage.charge(settings, workspace_id, "ai_tokens", tokens, enforce=False, key=f"ai:{key}",
                 cause=cause)
