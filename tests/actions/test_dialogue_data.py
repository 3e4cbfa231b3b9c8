"""The dialogue data as Rasa sees it: `rasa data validate` clean, and every test story passes `rasa test core`.

A core-only model is trained from bot/domain, nlu_data/rules and nlu_data/stories into a temporary folder (the
policies are rules + memoisation, so this takes seconds) and tested on the held-out nlu_data/test/stories.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA = str(ROOT / ".venv-rasa" / "bin" / "rasa")
ENV = {
    **os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore::DeprecationWarning",
}  # fmt: skip


def rasa(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RASA, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_is_clean() -> None:
    result = rasa(
        "data", "validate", "--domain", "bot/domain", "--config", "bot/config.yml",
        "--data", "nlu_data/nlu", "nlu_data/rules", "nlu_data/stories",
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "No story structure conflicts found" in output
    problems = [line for line in output.splitlines() if "UserWarning" in line or " ERROR " in line]
    assert problems == [], "\n".join(problems)


@pytest.fixture(scope="module")
def core_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("core")
    data = work / "data"
    for part in ("rules", "stories"):
        shutil.copytree(ROOT / "nlu_data" / part, data / part)
    result = rasa(
        "train", "core", "--domain", "bot/domain", "--config", "bot/config.yml", "--stories", str(data),
        "--out", str(work), "--fixed-model-name", "core",
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return work / "core.tar.gz"


def test_every_test_story_passes(core_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = rasa("test", "core", "--model", str(core_model), "--stories", "nlu_data/test/stories", "--out", str(out))
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    failed = (out / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "None of the test stories failed" in failed, failed[:4000]
    report = json.loads((out / "story_report.json").read_text(encoding="utf-8"))
    conversations = report["conversation_accuracy"]
    assert conversations["total"] >= 25 and conversations["correct"] == conversations["total"]
    assert report["accuracy"] == 1.0
