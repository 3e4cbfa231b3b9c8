"""The reader's direct computation (api/safety/reader.py ``Linear``) gives scikit-learn's probabilities: on every
training text and every frozen evaluation message, to within rounding, so no decision changes."""

from __future__ import annotations

from pathlib import Path

import yaml

from api.safety.lexicon import fold
from api.safety.reader import THRESHOLD, Linear, fit, training_examples

FROZEN = Path(__file__).with_name("frozen_set.yml")


def test_the_direct_computation_equals_the_pipeline() -> None:
    examples = training_examples()
    pipeline = fit(examples)
    frozen = [str(item["text"]) for item in (yaml.safe_load(FROZEN.read_text(encoding="utf-8")) or {})["items"]]
    texts = [fold(t) for t in [e.text for e in examples] + frozen + ["", "   ", "zzzz qqqq", "cứu cứu cứu cứu"]]
    expected = pipeline.predict_proba(texts)[:, 1]
    linear = Linear(pipeline)
    got = [linear.probability(t) for t in texts]
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-9
    assert [p >= THRESHOLD for p in got] == [p >= THRESHOLD for p in expected]
