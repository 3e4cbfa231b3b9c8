"""``python -m api.safety.evaluation`` — the frozen set's table — run as users run it. The per-state run through the
real gateway is ``python -m cli.safety_eval --states`` (tests/cli/test_safety_eval.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import PROJECT_ROOT
from api.safety.evaluation import STATES_COMMAND


@pytest.mark.slow
def test_the_command_prints_the_frozen_table(tmp_path: Path) -> None:
    env = {**os.environ, "XASO_DATA_DIR": str(tmp_path)}  # the learned reader is trained and cached here
    result = subprocess.run(
        [sys.executable, "-m", "api.safety.evaluation"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "407 messages, 177 emergencies" in result.stdout
    assert "| all | 177 | 98.3% (174/177) |" in result.stdout
    assert list((tmp_path / "safety").glob("reader-*.json"))


def test_the_per_state_run_names_the_command_that_does_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api.safety.evaluation", "--states"], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1 and STATES_COMMAND in result.stderr and not result.stdout
