"""Produced files are measured, not trusted: loudness (BS.1770 via pyloudnorm) and ×4-oversampled true peak
are computed here from the decoded MP3, independently of broadcast.audio."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from broadcast import audio as audio_ops
from broadcast.engines import EdgeEngine, EspeakEngine, VoiceOptions
from broadcast.engines.base import Audio
from broadcast.settings import BroadcastSettings
from broadcast.speech import BulletinTooLong, check_length, plan, produce, split_sentences
from tests.broadcast.fake_edge import FakeEdgeService

BULLETIN = (
    "UBND xã thông báo: từ 7h30 ngày 25/11/2026, người dân mang CCCD đến TYT xã tiêm phòng.\n\n"
    "Mức hỗ trợ 1.500.000 đồng/hộ. Mọi thắc mắc xin liên hệ ĐT 0912.345.678!"
)


def measure(mp3: bytes) -> tuple[float, float, float, int, int]:
    """(LUFS, dBTP, seconds, sample rate, channels) of an MP3, measured from scratch."""
    info = sf.info(io.BytesIO(mp3))
    samples, rate = sf.read(io.BytesIO(mp3), dtype="float64")
    loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
    peak = np.abs(resample_poly(samples, 4, 1)).max()
    return loudness, 20 * np.log10(peak), len(samples) / rate, rate, info.channels


def _jingle(path: Path, rate: int = 44100) -> Path:
    # A loud chord with hard edges: the worst case for true peak and for clicks.
    t = np.arange(int(rate * 1.5)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (523.25, 659.25, 783.99)) / 2.2
    sf.write(path, chord.astype(np.float32), rate)
    return path


@pytest.mark.parametrize("jingles", [False, True])
async def test_offline_file_meets_ebu_r128(tmp_path: Path, jingles: bool) -> None:
    settings = BroadcastSettings(
        intro_jingle=_jingle(tmp_path / "intro.wav") if jingles else None,
        outro_jingle=_jingle(tmp_path / "outro.wav") if jingles else None,
    )
    result = await produce(BULLETIN, [EspeakEngine()], VoiceOptions(), settings)
    lufs, dbtp, seconds, rate, channels = measure(result.mp3)
    assert -24.0 <= lufs <= -22.0
    assert dbtp <= -1.0
    assert (rate, channels) == (settings.sample_rate, 1)
    assert abs(seconds - result.duration_seconds) < 0.1
    assert abs(lufs - result.loudness_lufs) < 0.1 and abs(dbtp - result.true_peak_dbtp) < 0.1
    assert result.engine == "offline"


async def test_edge_file_meets_ebu_r128(fake_edge: FakeEdgeService) -> None:
    engine = EdgeEngine(endpoint=fake_edge.endpoint, backoff_seconds=0.01)
    result = await produce(BULLETIN, [engine], VoiceOptions(), BroadcastSettings())
    lufs, dbtp, *_ = measure(result.mp3)
    assert -24.0 <= lufs <= -22.0 and dbtp <= -1.0
    assert result.engine == "edge"


async def test_mp3_bitrate_is_at_least_64_kbps() -> None:
    result = await produce("Xin chào bà con.", [EspeakEngine()], VoiceOptions(), BroadcastSettings(mp3_bitrate_kbps=64))
    kbps = len(result.mp3) * 8 / result.duration_seconds / 1000
    assert kbps >= 62  # constant 64 kbit/s, less the ID-free first frame rounding


def test_a_hot_signal_is_limited_to_the_true_peak() -> None:
    rate = 44100
    t = np.arange(rate * 3) / rate
    # Near-Nyquist tone: inter-sample peaks above the sample peak.
    hot = Audio((0.99 * np.sin(2 * np.pi * 11025.5 * t + 0.3)).astype(np.float32), rate)
    finished = audio_ops.normalize_loudness(hot, -14.0, -1.0)
    encoded = audio_ops.encode_to_target(finished, -14.0, 128)
    lufs, dbtp, *_ = measure(encoded.data)
    assert dbtp <= -1.0
    assert -15.0 <= lufs <= -13.0


def test_joining_is_click_free() -> None:
    rate = 22050
    t = np.arange(rate // 2) / rate
    # Segments that start and end at full scale: a plain concatenation would jump from 0.9 to silence.
    segment = Audio((0.9 * np.cos(2 * np.pi * 300 * t)).astype(np.float32), rate)
    joined = audio_ops.join([(segment, 0.3), (segment, 0.0)], rate).samples
    assert abs(joined[0]) < 1e-3 and abs(joined[-1]) < 1e-3
    # No sample-to-sample jump larger than the tone's own steepest slope.
    max_slope = 0.9 * 2 * np.pi * 300 / rate
    assert np.abs(np.diff(joined)).max() <= max_slope * 1.05


def test_sentence_splitting_and_pauses() -> None:
    assert split_sentences("Một. Hai! Ba? Bốn") == ["Một.", "Hai!", "Ba?", "Bốn"]
    long_sentence = ", ".join(["bà con nhân dân"] * 60) + "."
    chunks = split_sentences(long_sentence, max_chars=100)
    assert all(len(c) <= 100 for c in chunks) and " ".join(chunks) == long_sentence
    steps = plan("Một. Hai.\n\nBa.")
    assert steps == [("Một.", 0.3), ("Hai.", 0.7), ("Ba.", 0.0)]


def test_the_length_cap() -> None:
    settings = BroadcastSettings(max_seconds=60, words_per_minute=120)
    assert check_length("xin chào " * 50, settings)
    with pytest.raises(BulletinTooLong, match="tối đa 60 giây"):
        check_length("xin chào " * 70, settings)


async def test_joining_mastering_and_encoding_run_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds of CPU for a long bulletin: in worker threads, so the gateway's loop keeps answering citizens while an
    officer's bulletin is made (in the embedded default, one process serves both)."""
    loop_thread = threading.get_ident()
    ran_on: dict[str, int] = {}
    for name in ("join", "normalize_loudness", "encode_to_target"):
        original = getattr(audio_ops, name)

        def record(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            ran_on[_name] = threading.get_ident()
            return _original(*args, **kwargs)

        monkeypatch.setattr(audio_ops, name, record)
    result = await produce("Xin chào bà con.", [EspeakEngine()], VoiceOptions(), BroadcastSettings())
    assert result.mp3
    assert set(ran_on) == {"join", "normalize_loudness", "encode_to_target"}
    assert loop_thread not in ran_on.values(), ran_on
