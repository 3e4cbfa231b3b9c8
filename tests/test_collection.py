"""Under pytest-xdist every worker collects the suite itself and the run stops if two collections differ (a landing
was lost to it: a parameter holding a set gave each worker another backend for an end-to-end variant). The
collection must not depend on the process: two collections under different string-hash seeds are compared."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.paths import ROOT


def collect(seed: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--collect-only", "-q", "tests"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_two_processes_collect_the_same_tests_in_the_same_order() -> None:
    runs = [collect(seed) for seed in ("1", "2")]  # these two seeds order a two-member set differently
    outputs = [run.communicate(timeout=240)[0] for run in runs]
    collected = [[line for line in out.splitlines() if "::" in line] for out in outputs]
    assert len(collected[0]) > 1000, outputs[0][-2000:]
    assert collected[0] == collected[1]
