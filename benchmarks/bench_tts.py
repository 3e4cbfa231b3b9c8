"""Speech engines side by side: real-time factor of each, and a 2-minute bulletin end to end with the offline engine.

- offline: espeak-ng from the espeakng-loader wheel (what runs with no network);
- edge: edge-tts's real client code against the local fake of Microsoft's service (no internet here), so its figure
  is the protocol + MP3 decoding overhead only, not the service's synthesis time;
- piper: only when XASO_BROADCAST_PIPER_MODEL points at a downloaded voice (none is downloaded here).

Every produced file is measured (BS.1770 loudness, ×4 true peak) from its decoded MP3.

    .venv/bin/python benchmarks/bench_tts.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broadcast import audio as audio_ops  # noqa: E402
from broadcast.engines import EdgeEngine, EspeakEngine, PiperEngine, TtsEngine, VoiceOptions  # noqa: E402
from broadcast.normalize import normalize_text  # noqa: E402
from broadcast.settings import BroadcastSettings, get_broadcast_settings  # noqa: E402
from broadcast.speech import produce, speak  # noqa: E402
from tests.broadcast.fake_edge import RunningFake  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "tts.json"
RUNS = 3
TARGET_SECONDS = 10.0
console = Console()

PARAGRAPH = (
    "UBND xã thông báo: từ 7h30 ngày 25/11/2026, Trạm y tế xã tổ chức tiêm vắc xin sởi miễn phí cho trẻ từ 1 đến 5 "
    "tuổi. Phụ huynh mang theo sổ tiêm chủng, thẻ BHYT và CCCD. Mọi thắc mắc xin liên hệ ĐT 0912.345.678. "
    "Đề nghị các hộ gia đình ở ấp 1, ấp 2 và ấp 3 thu gom rác đúng giờ, không đổ rác xuống kênh mương; mức phí "
    "thu gom là 30.000 đồng/hộ/tháng."
)


def bulletin_of(words: int) -> str:
    paragraphs = []
    while sum(len(p.split()) for p in paragraphs) < words:
        paragraphs.append(PARAGRAPH)
    return "\n\n".join(paragraphs)


async def rtf(engine: TtsEngine, text: str) -> dict[str, Any]:
    spoken = normalize_text(text)
    timings, duration = [], 0.0
    for _ in range(RUNS):
        start = time.perf_counter()
        result = await speak(spoken, [engine], VoiceOptions(), sample_rate=24000)
        timings.append(time.perf_counter() - start)
        duration = result.audio.duration
    median = statistics.median(timings)
    return {"audio_seconds": round(duration, 2), "median_seconds": round(median, 3), "rtf": round(median / duration, 4)}


async def end_to_end(settings: BroadcastSettings) -> dict[str, Any]:
    """Size the text so the offline voice reads about two minutes, then time normalise → speak → finish → MP3."""
    probe = await speak(normalize_text(PARAGRAPH), [EspeakEngine()], VoiceOptions(), sample_rate=24000)
    paragraphs = max(1, round(120 / (probe.audio.duration + 0.7)))  # 0.7 s: the pause between paragraphs
    text = "\n\n".join([PARAGRAPH] * paragraphs)
    relaxed = settings.model_copy(update={"max_seconds": 600, "intro_jingle": None, "outro_jingle": None})
    timings, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = await produce(text, [EspeakEngine()], VoiceOptions(), relaxed)
        timings.append(time.perf_counter() - start)
    assert result is not None
    decoded = audio_ops.decode_mp3(result.mp3)
    return {
        "audio_seconds": result.duration_seconds,
        "median_seconds": round(statistics.median(timings), 2),
        "max_seconds": round(max(timings), 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": statistics.median(timings) <= TARGET_SECONDS,
        "measured_lufs": round(audio_ops.integrated_loudness(decoded), 2),
        "measured_true_peak_dbtp": round(audio_ops.true_peak_dbtp(decoded), 2),
        "mp3_kbps": round(len(result.mp3) * 8 / result.duration_seconds / 1000, 1),
    }


async def main() -> None:
    settings = get_broadcast_settings()
    text = bulletin_of(90)
    results: dict[str, Any] = {"engines": {}}
    results["engines"]["offline"] = await rtf(EspeakEngine(), text)
    fake = RunningFake()
    service = fake.start()
    try:
        results["engines"]["edge (local fake)"] = await rtf(EdgeEngine(endpoint=service.endpoint), text)
    finally:
        fake.stop()
    if settings.piper_model:
        results["engines"]["piper"] = await rtf(PiperEngine(settings.piper_model), text)
    else:
        results["engines"]["piper"] = {"skipped": "XASO_BROADCAST_PIPER_MODEL not set (no voice downloaded here)"}
    results["two_minute_offline_bulletin"] = await end_to_end(settings)

    table = Table(title="Tổng hợp tiếng nói — hệ số thời gian thực (median of 3)")
    for column in ("engine", "audio (s)", "synthesis (s)", "RTF"):
        table.add_column(column)
    for name, row in results["engines"].items():
        if "skipped" in row:
            table.add_row(name, "—", "—", row["skipped"])
        else:
            table.add_row(name, str(row["audio_seconds"]), str(row["median_seconds"]), str(row["rtf"]))
    console.print(table)
    e2e = results["two_minute_offline_bulletin"]
    summary = Table(title="Bản tin ~2 phút, engine offline, từ văn bản đến MP3")
    for column in ("audio (s)", "median (s)", "max (s)", "target (s)", "LUFS", "dBTP", "kbit/s"):
        summary.add_column(column)
    summary.add_row(
        str(e2e["audio_seconds"]),
        str(e2e["median_seconds"]),
        str(e2e["max_seconds"]),
        f"≤ {TARGET_SECONDS:g} ({'đạt' if e2e['within_target'] else 'KHÔNG đạt'})",
        str(e2e["measured_lufs"]),
        str(e2e["measured_true_peak_dbtp"]),
        str(e2e["mp3_kbps"]),
    )
    console.print(summary)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"Kết quả: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
