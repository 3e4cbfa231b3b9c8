"""Online engine: Microsoft Edge's read-aloud service through ``edge-tts`` (the best free Vietnamese voices).

The service throttles, answers 503, or changes its handshake from time to time: each chunk is retried with
exponential backoff, and when the service stays unreachable :class:`EngineUnavailable` lets the caller fall back.
"""

from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
import edge_tts
import edge_tts.communicate
import numpy as np
import soundfile as sf
from edge_tts.constants import TRUSTED_CLIENT_TOKEN
from edge_tts.constants import WSS_URL as DEFAULT_WSS_URL
from edge_tts.exceptions import EdgeTTSException, NoAudioReceived

from broadcast.engines.base import Audio, EngineError, EngineUnavailable, VoiceOptions

log = logging.getLogger(__name__)

# Failures worth another try: the network, the handshake (403/429/503) and empty or broken streams.
_TRANSIENT = (aiohttp.ClientError, TimeoutError, EdgeTTSException, OSError)


class EdgeEngine:
    name = "edge"
    voices: tuple[str, ...] = ("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural")

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        connect_timeout: int = 5,
        receive_timeout: int = 30,
    ) -> None:
        # ``endpoint`` replaces the service URL (a mirror, a proxy, or the local fake in tests).
        self.endpoint = endpoint
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout

    @property
    def default_voice(self) -> str:
        return self.voices[0]

    @property
    def service_url(self) -> str:
        url = self.endpoint or DEFAULT_WSS_URL
        if "TrustedClientToken=" not in url:
            url += ("&" if "?" in url else "?") + f"TrustedClientToken={TRUSTED_CLIENT_TOKEN}"
        return url

    async def synthesize(self, text: str, options: VoiceOptions) -> Audio:
        voice = options.voice or self.default_voice
        if voice not in self.voices:
            raise EngineError(f"Giọng '{voice}' không thuộc edge-tts (chọn: {', '.join(self.voices)}).")
        last_error: BaseException | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                return _decode_mp3(await self._stream(text, voice, options))
            except _TRANSIENT as exc:
                last_error = exc
                log.warning("edge-tts attempt %d/%d failed: %r", attempt, self.attempts, exc)
                if attempt < self.attempts:
                    await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        raise EngineUnavailable(f"Dịch vụ edge-tts không phản hồi sau {self.attempts} lần thử: {last_error!r}")

    async def _stream(self, text: str, voice: str, options: VoiceOptions) -> bytes:
        # edge-tts reads the module-level URL on each connection; this is its only override point. It is set on
        # every call so that one engine's endpoint never leaks into another's.
        edge_tts.communicate.WSS_URL = self.service_url
        communicate = edge_tts.Communicate(
            text,
            voice,
            rate=f"{options.rate:+d}%",
            pitch=f"{options.pitch:+d}Hz",
            connect_timeout=self.connect_timeout,
            receive_timeout=self.receive_timeout,
        )
        audio = bytearray()
        async for chunk in communicate.stream():
            if chunk["type"] == "audio":
                audio += chunk["data"]
        if not audio:
            raise NoAudioReceived("edge-tts trả về luồng rỗng.")
        return bytes(audio)


def _decode_mp3(data: bytes) -> Audio:
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise NoAudioReceived(f"Âm thanh MP3 nhận về không giải mã được: {exc}") from exc
    return Audio(np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32), int(rate))
