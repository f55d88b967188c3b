"""Voice configuration, read once from the environment (the Twilio account and sandbox are SMS's: one account
serves texts and calls)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# ConversationRelay's price per minute on top of the voice minute (Twilio's list price, in micro-dollars).
RELAY_MICROS_PER_MINUTE = 70_000
# Calling hours in the callee's zone unless the number's configuration says otherwise (TCPA's 8:00-21:00).
DEFAULT_CALLING_HOURS = ("08:00", "21:00")


@dataclass(frozen=True)
class VoiceConfig:
    """Where Twilio reaches the relay, and where the relay function answers its connections."""

    relay_url: str  # wss://... of VoiceRelayApi given to Twilio in <ConversationRelay url>; empty: Gather only
    relay_connections_url: str  # the relay API's @connections endpoint; empty: https://<domainName>/<stage>
    max_agent_rounds: int  # tool-call rounds per caller prompt before the agent must answer

    @property
    def relay(self) -> bool:
        """Whether calls can use ConversationRelay (else the <Gather input="speech"> loop)."""
        return bool(self.relay_url)


def load_voice_config(env: dict[str, str] | None = None) -> VoiceConfig:
    env = dict(os.environ if env is None else env)
    return VoiceConfig(relay_url=env.get("VOICE_RELAY_URL", "").strip(),
                       relay_connections_url=env.get("VOICE_RELAY_CONNECTIONS_URL", "").strip().rstrip("/"),
                       max_agent_rounds=int(env.get("VOICE_MAX_AGENT_ROUNDS", "") or 4))


@lru_cache(maxsize=1)
def voice_config() -> VoiceConfig:
    """The process-wide voice configuration, read at cold start."""
    return load_voice_config()
