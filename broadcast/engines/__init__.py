"""Speech engines behind one interface: ``edge`` (online), ``offline`` (espeak-ng), ``piper`` (local model)."""

from __future__ import annotations

from broadcast.engines.base import Audio, EngineError, EngineUnavailable, TtsEngine, VoiceOptions
from broadcast.engines.edge import EdgeEngine
from broadcast.engines.espeak import EspeakEngine
from broadcast.engines.piper import PiperEngine
from broadcast.settings import BroadcastSettings

ENGINE_NAMES = ("edge", "offline", "piper")


def make_engine(name: str, settings: BroadcastSettings) -> TtsEngine:
    if name == "edge":
        return EdgeEngine(
            endpoint=settings.edge_endpoint,
            attempts=settings.edge_attempts,
            backoff_seconds=settings.edge_backoff_seconds,
        )
    if name == "offline":
        return EspeakEngine()
    if name == "piper":
        return PiperEngine(settings.piper_model, config_path=settings.piper_config)
    raise EngineError(f"Không có engine '{name}' (chọn: {', '.join(ENGINE_NAMES)}).")


def engine_chain(name: str, settings: BroadcastSettings) -> list[TtsEngine]:
    """The requested engine, then the offline one as the always-available fallback."""
    chain = [make_engine(name, settings)]
    if name != "offline":
        chain.append(EspeakEngine())
    return chain


__all__ = [
    "ENGINE_NAMES",
    "Audio",
    "EdgeEngine",
    "EngineError",
    "EngineUnavailable",
    "EspeakEngine",
    "PiperEngine",
    "TtsEngine",
    "VoiceOptions",
    "engine_chain",
    "make_engine",
]
