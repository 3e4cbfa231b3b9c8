"""``python -m cli.safety_eval``: the command runs as users run it and offers its options; its per-state run goes
through the real gateway (a fresh app, seeded) on a slice of the frozen set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from api.safety.evaluation import frozen
from cli.safety_eval import STATES, by_state
from tests.support.paths import ROOT


@pytest.mark.slow
def test_the_command_offers_the_per_state_run() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "cli.safety_eval", "--help"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "--states" in result.stdout and "--families" in result.stdout


@pytest.mark.slow
def test_every_state_through_the_gateway_on_a_slice() -> None:
    items = frozen()[::50]
    results = by_state(items)
    assert list(results) == list(STATES)
    for tally, p95 in results.values():
        assert tally.emergencies + tally.others == len(items) and p95 > 0
        assert tally.false_alarms == 0 and tally.alarms == tally.emergencies
