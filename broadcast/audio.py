"""Audio finishing: resampling, click-free joining, jingles, EBU R128 loudness, true-peak limiting, MP3.

Loudness is measured with pyloudnorm (ITU-R BS.1770); the true peak is the sample peak of the signal oversampled
four times, as BS.1770 annex 2 describes. MP3 is encoded with LAME (lameenc) and decoded with libsndfile.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import lameenc
import numpy as np
import pyloudnorm
import soundfile as sf
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from broadcast.engines.base import Audio, Samples

FADE_SECONDS = 0.008
SILENCE_DBFS = -50.0
# MP3 encoding can push peaks up a few tenths of a dB: limit below the target so the file still meets it.
ENCODER_HEADROOM_DB = 1.0


def resample(audio: Audio, rate: int) -> Audio:
    if audio.sample_rate == rate or len(audio.samples) == 0:
        return Audio(audio.samples.astype(np.float32), rate)
    divisor = math.gcd(audio.sample_rate, rate)
    samples = resample_poly(audio.samples, rate // divisor, audio.sample_rate // divisor)
    return Audio(samples.astype(np.float32), rate)


def trim_silence(audio: Audio) -> Audio:
    threshold = 10 ** (SILENCE_DBFS / 20)
    loud = np.flatnonzero(np.abs(audio.samples) > threshold)
    if len(loud) == 0:
        return Audio(np.zeros(0, dtype=np.float32), audio.sample_rate)
    return Audio(audio.samples[loud[0] : loud[-1] + 1], audio.sample_rate)


def fade_edges(samples: Samples, rate: int, seconds: float = FADE_SECONDS) -> Samples:
    """Raised-cosine fade in and out, so a cut never starts or ends on a non-zero sample (a click)."""
    n = min(int(rate * seconds), len(samples) // 2)
    if n == 0:
        return samples
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))).astype(np.float32)
    out = samples.copy()
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def join(parts: list[tuple[Audio, float]], rate: int) -> Audio:
    """Concatenate (audio, pause after it) pairs at ``rate``; every part is trimmed and faded, pauses are silence."""
    pieces: list[Samples] = []
    for audio, pause in parts:
        clip = trim_silence(resample(audio, rate))
        if len(clip.samples):
            pieces.append(fade_edges(clip.samples, rate))
        if pause > 0:
            pieces.append(np.zeros(int(rate * pause), dtype=np.float32))
    if not pieces:
        return Audio(np.zeros(0, dtype=np.float32), rate)
    return Audio(np.concatenate(pieces).astype(np.float32), rate)


def load_audio(path: Path) -> Audio:
    samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return Audio(np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32), int(rate))


def decode_mp3(data: bytes) -> Audio:
    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return Audio(np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32), int(rate))


def encode_mp3(audio: Audio, bitrate_kbps: int) -> bytes:
    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(audio.sample_rate)
    encoder.set_channels(1)
    # LAME quality 5 ("good"): for speech no audible difference from 2, at half the encoding time.
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


def integrated_loudness(audio: Audio) -> float:
    """LUFS (BS.1770 gated); pyloudnorm needs at least one 400 ms block, so shorter clips are padded."""
    samples = audio.samples.astype(np.float64)
    minimum = int(audio.sample_rate * 0.4) + 1
    if len(samples) < minimum:
        samples = np.pad(samples, (0, minimum - len(samples)))
    return float(pyloudnorm.Meter(audio.sample_rate).integrated_loudness(samples))


_BLOCK = 4096
_CONTEXT = 64  # samples of context either side of a block: longer than the interpolation filter's reach
# Inter-sample peaks of ×4 oversampling stay within a few dB of the sample peak for real programme material, so
# blocks more than 6 dB below the loudest sample cannot hold the true peak and need no oversampling.
_CANDIDATE_DB = 6.0


def _oversampled_peaks(samples: Samples) -> Samples:
    """Per-sample maximum of the ×4 oversampled signal (exact on the loud blocks, sample peak elsewhere)."""
    peaks = np.abs(samples).astype(np.float32)
    if len(samples) == 0:
        return peaks
    threshold = float(peaks.max()) * 10 ** (-_CANDIDATE_DB / 20)
    for start in range(0, len(samples), _BLOCK):
        stop = min(start + _BLOCK, len(samples))
        if peaks[start:stop].max() < threshold:
            continue
        lo, hi = max(0, start - _CONTEXT), min(len(samples), stop + _CONTEXT)
        over = np.abs(resample_poly(samples[lo:hi].astype(np.float64), 4, 1))
        per_sample = over[: (hi - lo) * 4].reshape(hi - lo, 4).max(axis=1)
        peaks[start:stop] = per_sample[start - lo : stop - lo]
    return peaks


def true_peak_dbtp(audio: Audio) -> float:
    peaks = _oversampled_peaks(audio.samples)
    peak = float(peaks.max()) if len(peaks) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def limit(audio: Audio, ceiling_dbtp: float, lookahead_seconds: float = 0.005) -> Audio:
    """A look-ahead peak limiter: the gain dips smoothly around every peak above the ceiling, nowhere else."""
    ceiling = 10 ** (ceiling_dbtp / 20)
    peaks = _oversampled_peaks(audio.samples)
    gain = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    window = max(1, int(audio.sample_rate * lookahead_seconds))
    # Hold the lowest gain over ±window, then smooth within it: the gain is already down when the peak arrives.
    gain = uniform_filter1d(minimum_filter1d(gain, size=2 * window + 1), size=window)
    return Audio((audio.samples * gain).astype(np.float32), audio.sample_rate)


@dataclass(frozen=True)
class Finished:
    audio: Audio
    loudness_lufs: float
    true_peak_dbtp: float


def normalize_loudness(audio: Audio, target_lufs: float, max_true_peak_dbtp: float) -> Finished:
    """Bring the programme to ``target_lufs`` with the true peak at or below the limit (EBU R128)."""
    ceiling = max_true_peak_dbtp - ENCODER_HEADROOM_DB
    current = audio
    loudness, peak = integrated_loudness(current), true_peak_dbtp(current)
    for _ in range(4):
        if not math.isfinite(loudness):
            break
        gain_db = target_lufs - loudness
        current = Audio((current.samples * 10 ** (gain_db / 20)).astype(np.float32), audio.sample_rate)
        loudness, peak = loudness + gain_db, peak + gain_db
        if peak <= ceiling:
            break
        # Limiting lowers the loudness a little: measure again and make it up on the next pass.
        current = limit(current, ceiling)
        loudness, peak = integrated_loudness(current), true_peak_dbtp(current)
        if abs(loudness - target_lufs) <= 0.2 and peak <= ceiling:
            break
    # The MP3 itself is measured after encoding (encode_to_target); these are the figures before it.
    return Finished(current, loudness, peak)


def with_jingles(speech: Audio, intro: Path | None, outro: Path | None, gap_seconds: float = 0.6) -> Audio:
    parts: list[tuple[Audio, float]] = []
    if intro is not None:
        parts.append((load_audio(intro), gap_seconds))
    parts.append((speech, gap_seconds if outro is not None else 0.0))
    if outro is not None:
        parts.append((load_audio(outro), 0.0))
    return join(parts, speech.sample_rate) if len(parts) > 1 else speech


@lru_cache(maxsize=8)
def _encoder_gain(rate: int, bitrate_kbps: int) -> float:
    """RMS out / RMS in of an encode-decode round trip of a one-second 1 kHz tone at -20 dBFS."""
    t = np.arange(rate) / rate
    tone = Audio((0.1 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), rate)
    decoded = decode_mp3(encode_mp3(tone, bitrate_kbps)).samples
    middle = slice(rate // 4, 3 * rate // 4)
    return float(np.sqrt(np.mean(decoded[middle] ** 2)) / np.sqrt(np.mean(tone.samples[middle] ** 2)))


@dataclass(frozen=True)
class EncodedMp3:
    data: bytes
    duration_seconds: float
    loudness_lufs: float
    true_peak_dbtp: float


def encode_to_target(finished: Finished, target_lufs: float, bitrate_kbps: int) -> EncodedMp3:
    """Encode, then measure the decoded file: the figures recorded are those of the MP3 itself.

    LAME's output is consistently a little quieter than its input (about 0.45 dB here, confirmed with a second
    decoder): that gain is measured once and compensated; a corrective pass remains for anything else.
    """
    gain = _encoder_gain(finished.audio.sample_rate, bitrate_kbps)
    audio = Audio((finished.audio.samples / gain).astype(np.float32), finished.audio.sample_rate)
    for _ in range(2):
        data = encode_mp3(audio, bitrate_kbps)
        decoded = decode_mp3(data)
        loudness = integrated_loudness(decoded)
        if not math.isfinite(loudness) or abs(loudness - target_lufs) <= 0.3:
            break
        correction = 10 ** ((target_lufs - loudness) / 20)
        audio = Audio((audio.samples * correction).astype(np.float32), audio.sample_rate)
    return EncodedMp3(data, round(decoded.duration, 2), loudness, true_peak_dbtp(decoded))
