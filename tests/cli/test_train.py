"""The content hash decides whether `make run` retrains: unchanged data starts in seconds, any edit retrains."""

from __future__ import annotations

from pathlib import Path

from cli.train import fingerprint, training_data_dirs


def _project(tmp_path: Path) -> Path:
    (tmp_path / "bot" / "components").mkdir(parents=True)
    (tmp_path / "bot" / "config.yml").write_text("language: vi\n")
    (tmp_path / "bot" / "components" / "x.py").write_text("X = 1\n")
    (tmp_path / "nlu_data" / "nlu").mkdir(parents=True)
    (tmp_path / "nlu_data" / "nlu" / "greet.yml").write_text("- xin chao\n")
    (tmp_path / "nlu_data" / "test").mkdir()
    (tmp_path / "nlu_data" / "test" / "held_out.yml").write_text("- chao ad\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "rasa.lock.txt").write_text("rasa==3.6.21\n")
    return tmp_path


def test_unchanged_tree_has_a_stable_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert fingerprint(root) == fingerprint(root)


def test_training_data_edit_changes_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = fingerprint(root)
    (root / "nlu_data" / "nlu" / "greet.yml").write_text("- xin chao\n- chao ban\n")
    assert fingerprint(root) != before


def test_component_code_edit_changes_fingerprint(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = fingerprint(root)
    (root / "bot" / "components" / "x.py").write_text("X = 2\n")
    assert fingerprint(root) != before


def test_held_out_set_and_caches_do_not_trigger_training(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = fingerprint(root)
    (root / "nlu_data" / "test" / "held_out.yml").write_text("- changed\n")
    (root / "bot" / "components" / "__pycache__").mkdir()
    (root / "bot" / "components" / "__pycache__" / "x.cpython-310.pyc").write_bytes(b"\0")
    assert fingerprint(root) == before


def test_held_out_set_is_never_training_data(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert [p.name for p in training_data_dirs(root)] == ["nlu"]
