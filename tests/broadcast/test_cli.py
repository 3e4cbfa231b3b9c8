"""``xaso bulletin speak`` as a real process: edge-tts through the fake service, fallback, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import soundfile as sf

from tests.broadcast.fake_edge import FakeEdgeService
from tests.broadcast.test_engines import _closed_port

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "XASO_BROADCAST_EDGE_BACKOFF_SECONDS": "0.01", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "bulletin", "speak", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _bulletin(tmp_path: Path, text: str = "UBND xã thông báo lịch tiêm chủng lúc 7h30 ngày 25/11/2026.") -> Path:
    path = tmp_path / "tin.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_speak_with_edge(tmp_path: Path, fake_edge: FakeEdgeService) -> None:
    out = tmp_path / "out" / "tin.mp3"
    result = run_cli(
        str(_bulletin(tmp_path)),
        "-o",
        str(out),
        "--voice",
        "vi-VN-NamMinhNeural",
        "--rate",
        "-10",
        env={"XASO_BROADCAST_EDGE_ENDPOINT": fake_edge.endpoint},
    )
    assert result.returncode == 0, result.stderr
    assert "engine edge" in result.stdout and "vi-VN-NamMinhNeural" in result.stdout
    assert sf.info(str(out)).channels == 1
    assert fake_edge.requests[0].rate == "-10%"
    assert "bảy giờ ba mươi" in fake_edge.requests[0].text


def test_speak_falls_back_to_offline(tmp_path: Path) -> None:
    out = tmp_path / "tin.mp3"
    endpoint = f"ws://127.0.0.1:{_closed_port()}/edge/v1"
    result = run_cli(str(_bulletin(tmp_path)), "-o", str(out), env={"XASO_BROADCAST_EDGE_ENDPOINT": endpoint})
    assert result.returncode == 0, result.stderr
    assert "đã chuyển sang offline" in result.stdout
    assert sf.info(str(out)).duration > 2


def test_speak_offline_engine(tmp_path: Path) -> None:
    out = tmp_path / "tin.mp3"
    result = run_cli(str(_bulletin(tmp_path)), "-o", str(out), "--engine", "offline", "--voice", "vi-vn-x-south")
    assert result.returncode == 0, result.stderr
    assert "giọng vi-vn-x-south" in result.stdout.replace("\n", " ")


def test_speak_refuses_an_overlong_bulletin(tmp_path: Path) -> None:
    result = run_cli(
        str(_bulletin(tmp_path, "bà con " * 200)),
        "-o",
        str(tmp_path / "x.mp3"),
        "--engine",
        "offline",
        env={"XASO_BROADCAST_MAX_SECONDS": "60"},
    )
    assert result.returncode == 2
    assert "quá dài" in result.stdout
    assert not (tmp_path / "x.mp3").exists()


def test_speak_rejects_missing_file_and_unknown_engine(tmp_path: Path) -> None:
    missing = run_cli(str(tmp_path / "absent.txt"), "-o", str(tmp_path / "x.mp3"))
    assert missing.returncode == 2
    unknown = run_cli(str(_bulletin(tmp_path)), "-o", str(tmp_path / "x.mp3"), "--engine", "google")
    assert unknown.returncode == 2


def test_speak_rejects_a_voice_of_another_engine(tmp_path: Path) -> None:
    result = run_cli(str(_bulletin(tmp_path)), "-o", str(tmp_path / "x.mp3"), "--engine", "offline", "--voice", "Aria")
    assert result.returncode == 1
    assert "không thuộc engine offline" in result.stdout


def test_normalize_and_voices_commands(tmp_path: Path) -> None:
    source = _bulletin(tmp_path, "UBND xã: 7h30 ngày 25/11/2026, ĐT 0912.345.678.\n\nTrân trọng!")
    spoken = subprocess.run(
        [sys.executable, "-m", "cli.main", "bulletin", "normalize", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert spoken == (
        "ủy ban nhân dân xã: bảy giờ ba mươi ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu,"
        " điện thoại không chín một hai, ba bốn năm, sáu bảy tám.\n\nTrân trọng!\n"
    )
    listing = subprocess.run(
        [sys.executable, "-m", "cli.main", "bulletin", "voices"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "vi-VN-HoaiMyNeural" in listing and "vi-vn-x-south" in listing and "XASO_BROADCAST_PIPER_MODEL" in listing
