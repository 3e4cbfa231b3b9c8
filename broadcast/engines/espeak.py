"""Offline engine: the espeak-ng library shipped by the ``espeakng-loader`` wheel, driven through ctypes.

Needs no network and no system package; robotic but always available, so it is the embedded default's fallback.
espeak-ng keeps global state, so every call holds one process-wide lock.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from typing import Any

import espeakng_loader
import numpy as np

from broadcast.engines.base import Audio, EngineError, EngineUnavailable, VoiceOptions

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_DEFAULT_RATE_WPM = 160  # espeak's words per minute; a touch slower than its 175 default carries better outdoors
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Espeak:
    """The loaded library, initialised once per process."""

    lock = threading.Lock()
    _instance: _Espeak | None = None

    def __init__(self) -> None:
        try:
            lib: Any = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as exc:
            raise EngineUnavailable(f"Không nạp được thư viện espeak-ng: {exc}") from exc
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode()
        self.sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0))
        if self.sample_rate <= 0:
            raise EngineUnavailable("Không khởi tạo được espeak-ng.")
        self.lib = lib
        self._chunks: list[np.ndarray] = []
        # Keep a reference: ctypes callbacks are freed when their Python object is.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> _Espeak:
        if cls._instance is None:
            cls._instance = _Espeak()
        return cls._instance

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def speak(self, text: str, voice: str, rate_wpm: int, pitch: int) -> np.ndarray:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineError(f"Giọng espeak-ng '{voice}' không tồn tại.")
        self.lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
        self._chunks = []
        encoded = text.encode("utf-8")
        status = self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        if status != 0:
            raise EngineError(f"espeak-ng báo lỗi {status} khi tổng hợp.")
        chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


class EspeakEngine:
    """Vietnamese espeak-ng voices: ``vi`` (northern), ``vi-vn-x-central``, ``vi-vn-x-south``."""

    name = "offline"
    voices: tuple[str, ...] = ("vi", "vi-vn-x-central", "vi-vn-x-south")

    @property
    def default_voice(self) -> str:
        return "vi"

    def speak_sync(self, text: str, options: VoiceOptions) -> Audio:
        voice = options.voice or self.default_voice
        if voice not in self.voices:
            raise EngineError(f"Giọng '{voice}' không thuộc engine offline (chọn: {', '.join(self.voices)}).")
        rate = max(80, min(450, round(_DEFAULT_RATE_WPM * (1 + options.rate / 100))))
        pitch = max(0, min(99, 50 + options.pitch // 2))
        with _Espeak.lock:
            espeak = _Espeak.get()
            raw = espeak.speak(text, voice, rate, pitch)
            sample_rate = espeak.sample_rate
        return Audio((raw.astype(np.float32) / 32768.0), sample_rate)

    async def synthesize(self, text: str, options: VoiceOptions) -> Audio:
        return await asyncio.to_thread(self.speak_sync, text, options)
