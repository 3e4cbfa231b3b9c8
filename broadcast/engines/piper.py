"""Optional local neural voice: a Piper ``.onnx`` model the user downloads and configures by path.

Nothing is downloaded here: a missing or unreadable model is reported (in Vietnamese) as the engine being
unavailable, so the caller falls back to the offline engine.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from broadcast.engines.base import Audio, EngineError, EngineUnavailable, VoiceOptions


class PiperEngine:
    name = "piper"

    def __init__(self, model_path: Path | None, *, config_path: Path | None = None) -> None:
        self.model_path = model_path
        self.config_path = config_path
        self._voice: Any = None
        self._lock = threading.Lock()

    @property
    def voices(self) -> tuple[str, ...]:
        return (self.model_path.stem,) if self.model_path else ()

    @property
    def default_voice(self) -> str:
        return self.voices[0] if self.voices else ""

    def _load(self) -> Any:
        if self._voice is not None:
            return self._voice
        if self.model_path is None:
            raise EngineUnavailable("Chưa cấu hình mô hình giọng Piper (XASO_BROADCAST_PIPER_MODEL).")
        config = self.config_path or Path(f"{self.model_path}.json")
        for path in (self.model_path, config):
            if not path.is_file():
                raise EngineUnavailable(f"Không tìm thấy tệp mô hình Piper: {path}")
        try:
            json.loads(config.read_text(encoding="utf-8"))
            from piper import PiperVoice  # imported lazily: onnxruntime is heavy and optional

            self._voice = PiperVoice.load(self.model_path, config_path=config)
        except ImportError as exc:
            raise EngineUnavailable("Chưa cài gói piper-tts.") from exc
        except (ValueError, KeyError, OSError, RuntimeError) as exc:
            # onnxruntime raises its own exception types, all derived from RuntimeError or ValueError.
            raise EngineUnavailable(f"Mô hình Piper không đọc được: {exc}") from exc
        return self._voice

    def speak_sync(self, text: str, options: VoiceOptions) -> Audio:
        from piper import SynthesisConfig

        with self._lock:
            voice = self._load()
            # Piper's length scale is a duration factor: +25 % rate means 1 / 1.25 of the length.
            syn = SynthesisConfig(length_scale=1.0 / max(0.25, 1 + options.rate / 100))
            try:
                chunks = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=syn)]
            except (ValueError, KeyError, RuntimeError) as exc:
                raise EngineError(f"Piper không tổng hợp được: {exc}") from exc
            rate = int(voice.config.sample_rate)
        samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, dtype=np.float32)
        return Audio(samples, rate)

    async def synthesize(self, text: str, options: VoiceOptions) -> Audio:
        return await asyncio.to_thread(self.speak_sync, text, options)
