"""``python -m api.safety.evaluation`` — the command docs/safety.md quotes — run as users run it, and its per-state
run through the real gateway on a slice of the frozen set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import PROJECT_ROOT
from api.safety.evaluation import frozen
from api.safety.gateway_eval import STATES, by_state


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
    assert list((tmp_path / "safety").glob("reader-*.joblib"))


def test_every_state_through_the_gateway_on_a_slice() -> None:
    items = frozen()[::50]
    results = by_state(items)
    assert list(results) == list(STATES)
    for tally, p95 in results.values():
        assert tally.emergencies + tally.others == len(items) and p95 > 0
        assert tally.false_alarms == 0 and tally.alarms == tally.emergencies
