"""The content hash decides whether `make run` retrains: unchanged data starts in seconds, any edit retrains."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cli.train import FINETUNE_EPOCH_FRACTION, _train_command, fingerprint, training_data_dirs
from tests.support.paths import ROOT


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


def test_finetune_trains_on_from_the_model_in_use(tmp_path: Path) -> None:
    root = _project(tmp_path)
    command = _train_command(root, root / "models", "candidate-x", root / "models" / "xaso.tar.gz")
    assert command[command.index("--finetune") + 1] == str(root / "models" / "xaso.tar.gz")
    assert command[command.index("--epoch-fraction") + 1] == str(FINETUNE_EPOCH_FRACTION)
    assert "--finetune" not in _train_command(root, root / "models", "candidate-x")


def test_finetune_without_a_model_in_use_says_to_train_fully(tmp_path: Path) -> None:
    xaso = ROOT / ".venv" / "bin" / "xaso"
    result = subprocess.run(
        [str(xaso), "train", "--finetune", "--models-dir", str(tmp_path), "--no-swap"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "để tinh chỉnh" in result.stdout and "không có --finetune" in result.stdout, result.stdout
    assert not list(tmp_path.iterdir())  # nothing trained, nothing written
