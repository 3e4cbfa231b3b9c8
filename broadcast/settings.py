"""Broadcast settings (env prefix ``XASO_BROADCAST_``), separate from the gateway's so the CLI needs no database."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root (where .env lives); broadcast/ is a library and does not import the gateway's settings.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BroadcastSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XASO_BROADCAST_", env_file=PROJECT_ROOT / ".env", extra="ignore")

    default_engine: str = "edge"
    # Replaces the edge-tts service URL (wss://…); tests point it at a local fake.
    edge_endpoint: str | None = None
    edge_attempts: int = Field(default=3, ge=1, le=10)
    edge_backoff_seconds: float = Field(default=0.5, ge=0)
    piper_model: Path | None = None
    piper_config: Path | None = None
    # A bulletin must stay readable aloud: at ~140 spoken words a minute, 3 minutes is ~420 words.
    max_seconds: int = Field(default=180, ge=10)
    words_per_minute: int = Field(default=140, ge=60, le=300)
    loudness_lufs: float = -23.0
    true_peak_dbtp: float = -1.0
    mp3_bitrate_kbps: int = Field(default=96, ge=64, le=320)
    # 32 kHz is MPEG-1 Layer III (decoded by every player) and keeps all of the voices' ≤ 12 kHz bandwidth.
    sample_rate: int = 32000
    intro_jingle: Path | None = None
    outro_jingle: Path | None = None
    feed_interval_seconds: float = Field(default=1800, ge=10)
    synthesis_interval_seconds: float = Field(default=60, ge=1)

    @property
    def max_words(self) -> int:
        return self.max_seconds * self.words_per_minute // 60


@lru_cache(maxsize=1)
def get_broadcast_settings() -> BroadcastSettings:
    return BroadcastSettings()
