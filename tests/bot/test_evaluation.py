from __future__ import annotations

import pytest

from bot.evaluation import entity_metrics, intent_metrics, report


def test_intent_metrics() -> None:
    truth = ["greet", "greet", "deny", "affirm"]
    predicted = ["greet", "deny", "deny", "affirm"]
    m = intent_metrics(truth, predicted)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["per_intent"]["greet"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["per_intent"]["deny"]["precision"] == pytest.approx(0.5)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1.0) / 3)
    assert m["confusions"] == [["greet", "deny", 1]]


def test_entity_metrics_compare_canonical_values() -> None:
    truth = [[("procedure", "khai_sinh"), ("aspect", "fee")], [], [("phone", "0912345678")]]
    predicted = [[("procedure", "khai_sinh")], [("category", "khac")], [("phone", "0912345678")]]
    m = entity_metrics(truth, predicted)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["exact_match"] == pytest.approx(1 / 3)
    assert m["per_entity"]["aspect"]["recall"] == 0.0
    assert m["per_entity"]["category"]["precision"] == 0.0


def test_report_splits_on_diacritics() -> None:
    rows = [
        {"text": "chào", "intent": "greet", "predicted_intent": "greet", "diacritics": True, "entities": [],
         "predicted_entities": []},
        {"text": "chao", "intent": "greet", "predicted_intent": "deny", "diacritics": False, "entities": [],
         "predicted_entities": []},
    ]  # fmt: skip
    r = report(rows)
    assert r["all"]["intent"]["accuracy"] == 0.5
    assert r["with_diacritics"]["intent"]["accuracy"] == 1.0
    assert r["without_diacritics"]["intent"]["accuracy"] == 0.0
