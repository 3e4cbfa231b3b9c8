"""The reader's direct computation (api/safety/reader.py ``Linear``, from the exported weights) gives scikit-learn's
probabilities: on every training text and every frozen evaluation message, to within rounding, so no decision changes;
and a gateway process scores without importing scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from api.safety.lexicon import fold
from api.safety.reader import THRESHOLD, Linear, export, fit, load_or_train, training_examples

FROZEN = Path(__file__).with_name("frozen_set.yml")


def test_the_direct_computation_equals_the_pipeline() -> None:
    examples = training_examples()
    pipeline = fit(examples)
    frozen = [str(item["text"]) for item in (yaml.safe_load(FROZEN.read_text(encoding="utf-8")) or {})["items"]]
    texts = [fold(t) for t in [e.text for e in examples] + frozen + ["", "   ", "zzzz qqqq", "cứu cứu cứu cứu"]]
    expected = pipeline.predict_proba(texts)[:, 1]
    linear = Linear(json.loads(json.dumps(export(pipeline))))  # as the cache file holds it
    got = [linear.probability(t) for t in texts]
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-9
    assert [p >= THRESHOLD for p in got] == [p >= THRESHOLD for p in expected]


@pytest.mark.slow  # starts a process
def test_a_process_scores_from_the_cache_without_scikit_learn(tmp_path: Path) -> None:
    load_or_train(tmp_path)  # trained here and cached as JSON
    (cached,) = tmp_path.glob("reader-*.json")
    script = (
        "import sys; from pathlib import Path; from api.safety.reader import load_or_train;"
        f"reader = load_or_train(Path({str(tmp_path)!r}));"
        "print(reader.probability('ba toi bi ngat khong tho duoc'), 'sklearn' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    probability, imported = result.stdout.split()
    assert float(probability) >= THRESHOLD and imported == "False", result.stdout
    assert cached.stat().st_size > 0


@pytest.mark.slow  # starts a process
def test_the_gateway_app_imports_no_scikit_learn() -> None:
    """The gateway's import path stays light (about 85 MB and most of a second of CPU less per process)."""
    script = "import sys, api.main; print(sorted(m for m in ('sklearn', 'scipy', 'tensorflow') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]", result.stdout
