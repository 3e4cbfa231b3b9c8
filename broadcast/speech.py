"""From written text to a broadcast-ready MP3: normalise, split, speak (with fallback), join, finish, encode."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from broadcast.engines.base import Audio, EngineError, EngineUnavailable, TtsEngine, VoiceOptions
from broadcast.normalize import normalize_text
from broadcast.settings import BroadcastSettings

if TYPE_CHECKING:
    from broadcast.audio import EncodedMp3

log = logging.getLogger(__name__)

SENTENCE_PAUSE = 0.3
PARAGRAPH_PAUSE = 0.7
MAX_CHUNK_CHARS = 400

Progress = Callable[[int, int], None]


def _audio_ops() -> ModuleType:
    """The audio operations (numpy, SciPy, pyloudnorm: about a second of imports), loaded when audio is first made,
    so the gateway and the CLI start without them."""
    from broadcast import audio

    return audio


class BulletinTooLong(ValueError):
    """The text would take longer to read aloud than the configured cap."""

    def __init__(self, seconds: float, limit: int) -> None:
        super().__init__(
            f"Bản tin quá dài: khoảng {round(seconds)} giây khi đọc, tối đa {limit} giây. Hãy rút gọn nội dung."
        )
        self.seconds = seconds
        self.limit = limit


def split_sentences(paragraph: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Sentences end at . ! ? (and ; :); an overlong one is cut at commas, then at spaces."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?;])\s+", paragraph) if s.strip()]
    chunks: list[str] = []
    for sentence in sentences:
        while len(sentence) > max_chars:
            cut = sentence.rfind(", ", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 3 else sentence.rfind(" ", 0, max_chars)
            if cut <= 0:
                cut = max_chars
            chunks.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            chunks.append(sentence)
    return chunks


def plan(spoken_text: str) -> list[tuple[str, float]]:
    """(chunk, pause after it) for the whole text; paragraphs get a longer pause than sentences."""
    paragraphs = [p for p in spoken_text.split("\n\n") if p.strip()]
    steps: list[tuple[str, float]] = []
    for index, paragraph in enumerate(paragraphs):
        chunks = split_sentences(paragraph)
        for position, chunk in enumerate(chunks):
            last_in_paragraph = position == len(chunks) - 1
            last = last_in_paragraph and index == len(paragraphs) - 1
            steps.append((chunk, 0.0 if last else PARAGRAPH_PAUSE if last_in_paragraph else SENTENCE_PAUSE))
    return steps


def estimate_seconds(spoken_text: str, words_per_minute: int) -> float:
    return len(spoken_text.split()) * 60 / words_per_minute


# Measured on the offline engine (espeak-ng, voices vi and vi-vn-x-south, default rate) through ``produce``: 218–250
# syllables a minute of speech once pauses are taken out, 238 on average over three bulletins of 47–61 syllables.
SYLLABLES_PER_MINUTE = 238


def estimate_programme_seconds(spoken_text: str, *, rate_percent: int = 0) -> float:
    """How long the produced audio will last: syllables at the measured speaking rate, plus the planned pauses."""
    speed = SYLLABLES_PER_MINUTE * max(0.2, 1 + rate_percent / 100)
    pauses = sum(pause for _, pause in plan(spoken_text))
    return len(spoken_text.split()) * 60 / speed + pauses


def check_length(text: str, settings: BroadcastSettings) -> str:
    """Normalise ``text`` and refuse it when it would exceed the readable-aloud cap."""
    spoken = normalize_text(text)
    seconds = estimate_seconds(spoken, settings.words_per_minute)
    if seconds > settings.max_seconds:
        raise BulletinTooLong(seconds, settings.max_seconds)
    return spoken


@dataclass(frozen=True)
class Speech:
    audio: Audio
    engine: str
    voice: str


async def speak(
    spoken_text: str,
    engines: Sequence[TtsEngine],
    options: VoiceOptions,
    *,
    sample_rate: int,
    progress: Progress | None = None,
) -> Speech:
    """Speak with the first engine that works; an unreachable engine hands the whole text to the next one."""
    steps = plan(spoken_text)
    if not steps:
        raise ValueError("Không có nội dung để đọc.")
    last_error: EngineUnavailable | None = None
    if options.voice and engines and options.voice not in engines[0].voices:
        choices = ", ".join(engines[0].voices) or "—"
        raise EngineError(f"Giọng '{options.voice}' không thuộc engine {engines[0].name} (chọn: {choices}).")
    for engine in engines:
        # A fallback engine speaks with its own default voice.
        voice = options.voice if options.voice in engine.voices else engine.default_voice
        engine_options = VoiceOptions(voice=voice, rate=options.rate, pitch=options.pitch)
        parts: list[tuple[Audio, float]] = []
        try:
            for done, (chunk, pause) in enumerate(steps, start=1):
                parts.append((await engine.synthesize(chunk, engine_options), pause))
                if progress is not None:
                    progress(done, len(steps))
        except EngineUnavailable as exc:
            log.warning("engine %s unavailable, falling back: %s", engine.name, exc)
            last_error = exc
            continue
        joined = await asyncio.to_thread(_join, parts, sample_rate)
        return Speech(joined, engine.name, voice)
    raise last_error or EngineUnavailable("Không có engine nào khả dụng.")


@dataclass(frozen=True)
class Production:
    mp3: bytes
    duration_seconds: float
    loudness_lufs: float
    true_peak_dbtp: float
    engine: str
    voice: str
    spoken_text: str


def _join(parts: list[tuple[Audio, float]], sample_rate: int) -> Audio:
    """In the worker thread, like ``_master``: the first call also imports the audio libraries (about a second)."""
    return _audio_ops().join(parts, sample_rate)


def _master(speech: Audio, settings: BroadcastSettings) -> EncodedMp3:
    """Jingles, loudness to the target (EBU R128) and the MP3: the CPU-heavy part of making a bulletin."""
    audio_ops = _audio_ops()
    programme = audio_ops.with_jingles(speech, settings.intro_jingle, settings.outro_jingle)
    finished = audio_ops.normalize_loudness(programme, settings.loudness_lufs, settings.true_peak_dbtp)
    return audio_ops.encode_to_target(finished, settings.loudness_lufs, settings.mp3_bitrate_kbps)


async def produce(
    text: str,
    engines: Sequence[TtsEngine],
    options: VoiceOptions,
    settings: BroadcastSettings,
    *,
    progress: Progress | None = None,
) -> Production:
    spoken = check_length(text, settings)
    speech = await speak(spoken, engines, options, sample_rate=settings.sample_rate, progress=progress)
    # Seconds of CPU for a long bulletin: in a worker thread, so the gateway's loop keeps answering citizens.
    encoded = await asyncio.to_thread(_master, speech.audio, settings)
    return Production(
        mp3=encoded.data,
        duration_seconds=encoded.duration_seconds,
        loudness_lufs=round(encoded.loudness_lufs, 2),
        true_peak_dbtp=round(encoded.true_peak_dbtp, 2),
        engine=speech.engine,
        voice=speech.voice,
        spoken_text=spoken,
    )
