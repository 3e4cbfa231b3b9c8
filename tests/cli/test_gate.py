"""The promotion gate's rules: which sets it scores, what counts as a regression, and how it says so."""

from __future__ import annotations

from pathlib import Path

from cli import gate
from cli.train import _promote


def _scores(**candidate: float) -> dict[str, dict[str, dict[str, object]]]:
    current = {"n": 300, "intent": 98.0, "intent_no_diacritics": 96.0, "entity_f1": 95.0, "errors": []}
    return {
        "current": {"nlu": current, "reviewed": {"n": 1, "intent": 100.0, "intent_no_diacritics": None,
                                                 "entity_f1": None}},
        "candidate": {"nlu": {**current, **candidate}, "reviewed": {"n": 1, "intent": 100.0,
                                                                     "intent_no_diacritics": None, "entity_f1": None}},
    }  # fmt: skip


def test_equal_or_better_passes_and_missing_figures_are_not_compared() -> None:
    checks = gate.compare(_scores(intent=98.4), tolerance=0.5)
    assert [(c.set, c.metric) for c in checks] == [
        ("nlu", "intent"), ("nlu", "intent_no_diacritics"), ("nlu", "entity_f1"), ("reviewed", "intent"),
    ]  # fmt: skip
    assert gate.reasons(checks) == []


def test_a_drop_beyond_the_tolerance_is_refused_and_named() -> None:
    checks = gate.compare(_scores(intent=97.6, entity_f1=93.0), tolerance=0.5)
    assert gate.reasons(checks) == [
        "tập nlu: thực thể f1 95.0% → 93.0% (-2.0 điểm, cho phép giảm tối đa 0.5)",
    ]
    assert gate.reasons(gate.compare(_scores(intent=97.6), tolerance=0.0)) == [
        "tập nlu: ý định 98.0% → 97.6% (-0.4 điểm, cho phép giảm tối đa 0.0)"
    ]


def test_a_refusal_says_what_to_do_and_never_offers_a_model_that_forgets_corrections() -> None:
    candidate = Path("models/candidate-abc.tar.gz")
    churn = gate.compare(_scores(intent=95.66, intent_no_diacritics=90.2), tolerance=0.5)
    hint = gate.advice(churn, candidate)
    assert "gom nhiều câu" in hint[0]
    assert hint[1].endswith("xaso train --candidate models/candidate-abc.tar.gz --tolerance 5.8")  # the largest drop
    elsewhere = gate.advice(churn, candidate, options=" --models-dir /srv/m")
    assert elsewhere[1].endswith("--candidate models/candidate-abc.tar.gz --models-dir /srv/m --tolerance 5.8")
    forgets = _scores(intent=99.0)
    forgets["candidate"]["reviewed"] = {**forgets["candidate"]["reviewed"], "intent": 0.0}
    refused = gate.advice(gate.compare(forgets, tolerance=0.5), candidate)
    assert refused == ["Mô hình mới đọc sai cả câu cán bộ đã sửa (tập reviewed): không nên dùng."]
    assert gate.advice(gate.compare(_scores(intent=98.4), tolerance=0.5), candidate) == []


def test_held_out_sets_are_found_and_reviewed_messages_added(tmp_path: Path) -> None:
    for folder in ("nlu", "long", "stories", "empty"):
        (tmp_path / "test" / folder).mkdir(parents=True)
    for folder in ("nlu", "long", "stories"):
        (tmp_path / "test" / folder / "a.yml").write_text("version: '3.1'\n")
    assert gate.held_out_sets(tmp_path) == {"long": tmp_path / "test" / "long", "nlu": tmp_path / "test" / "nlu"}
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "reviewed.yml").write_text("version: '3.1'\n")
    assert list(gate.held_out_sets(tmp_path)) == ["long", "nlu", "reviewed"]


def test_promotion_keeps_the_previous_model(tmp_path: Path) -> None:
    current, candidate = tmp_path / "xaso.tar.gz", tmp_path / "candidate-abc.tar.gz"
    current.write_bytes(b"old")
    candidate.write_bytes(b"new")
    assert _promote(candidate, current) == current
    assert current.read_bytes() == b"new" and (tmp_path / "xaso.previous.tar.gz").read_bytes() == b"old"
    assert not candidate.exists()


def test_swap_reports_a_rasa_that_is_not_running(tmp_path: Path) -> None:
    (result,) = gate.swap(tmp_path / "m.tar.gz", rasa_url="http://127.0.0.1:9", token="t", timeout=2)
    assert not result.ok and result.detail.startswith("không chạy")


def test_figures_are_cached_per_model_and_set_version(tmp_path: Path) -> None:
    """Each model is scored once per version of each set: a rollback check or a re-run starts no evaluation."""
    current, candidate = tmp_path / "xaso.tar.gz", tmp_path / "candidate.tar.gz"
    current.write_bytes(b"model A")
    candidate.write_bytes(b"model B")
    (tmp_path / "nlu").mkdir()
    (tmp_path / "nlu" / "a.yml").write_text("v1")
    calls: list[list[str]] = []

    def evaluation(args: list[str], on_line: object = None) -> dict[str, object]:
        calls.append(args)
        return {"scores": {a.split("=")[0]: {"n": 1, "intent": 50.0 if "candidate" in args[1] else 40.0}
                           for a in args[2:]}}  # fmt: skip

    sets, cache = {"nlu": tmp_path / "nlu"}, tmp_path / "gate-scores.json"
    first = gate.score(evaluation, current, candidate, sets, cache)
    assert first["candidate"]["nlu"]["intent"] == 50.0 and len(calls) == 2
    assert gate.score(evaluation, candidate, current, sets, cache)["current"]["nlu"]["intent"] == 50.0
    assert len(calls) == 2  # swapped roles (a rollback check): both figures come from the cache
    previous = tmp_path / "xaso.previous.tar.gz"  # a copy under another name is the same model
    previous.write_bytes(b"model A")
    gate.score(evaluation, current, previous, sets, cache)
    assert len(calls) == 2
    (tmp_path / "nlu" / "a.yml").write_text("v2")
    gate.score(evaluation, current, candidate, sets, cache)
    assert len(calls) == 4  # the set changed: both models are scored again
