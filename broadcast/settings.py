"""Broadcast settings (env prefix ``XASO_BROADCAST_``), separate from the gateway's so the CLI needs no database.

Each field's ``description`` is its line in docs/settings.md (``xaso settings table``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root (where .env lives); broadcast/ is a library and does not import the gateway's settings.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BroadcastSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XASO_BROADCAST_", env_file=PROJECT_ROOT / ".env", extra="ignore")

    default_engine: str = Field(
        default="edge",
        description="The speech engine of a new bulletin: edge (online), offline (espeak-ng) or piper "
        "(docs/broadcast.md).",
    )
    edge_endpoint: str | None = Field(
        default=None, description="Replaces the edge-tts service URL (wss://…); tests point it at a local fake."
    )
    edge_attempts: int = Field(default=3, ge=1, le=10, description="Tries of one edge-tts request before giving up.")
    edge_backoff_seconds: float = Field(
        default=0.5, ge=0, description="The pause after a failed edge-tts try (it doubles each time)."
    )
    piper_model: Path | None = Field(default=None, description="The offline Piper voice model (.onnx).")
    piper_config: Path | None = Field(
        default=None, description="The Piper voice's config (.onnx.json; default: next to the model)."
    )
    max_seconds: int = Field(
        default=180,
        ge=10,
        description="The longest bulletin read aloud (at ~140 spoken words a minute, 3 minutes is ~420 words).",
    )
    words_per_minute: int = Field(
        default=140, ge=60, le=300, description="The speaking rate a bulletin's length is estimated with."
    )
    loudness_lufs: float = Field(default=-23.0, description="The loudness every bulletin is normalised to (LUFS).")
    true_peak_dbtp: float = Field(default=-1.0, description="The highest true peak after normalisation (dBTP).")
    mp3_bitrate_kbps: int = Field(default=96, ge=64, le=320, description="The bulletin MP3's bitrate.")
    sample_rate: int = Field(
        default=32000,
        description="The bulletin's sample rate: 32 kHz is MPEG-1 Layer III (decoded by every player) and keeps all "
        "of the voices' ≤ 12 kHz bandwidth.",
    )
    intro_jingle: Path | None = Field(default=None, description="An audio file played before every bulletin.")
    outro_jingle: Path | None = Field(default=None, description="An audio file played after every bulletin.")
    feed_interval_seconds: float = Field(
        default=1800, ge=10, description="How often each news feed is fetched for draft bulletins."
    )
    synthesis_interval_seconds: float = Field(
        default=60, ge=1, description="How often draft bulletins without audio (feed items, digests) are synthesised."
    )

    @property
    def max_words(self) -> int:
        return self.max_seconds * self.words_per_minute // 60


@lru_cache(maxsize=1)
def get_broadcast_settings() -> BroadcastSettings:
    return BroadcastSettings()
