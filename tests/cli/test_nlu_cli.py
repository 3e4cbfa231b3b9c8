"""``xaso nlu eval`` / ``xaso nlu parse`` against the real trained model (run in .venv-rasa as a subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import nlu as nlu_cli
from cli.main import app
from tests.support.gateway_fixtures import model_path
from tests.support.paths import RASA_BIN

runner = CliRunner()

HELD_OUT = """version: "3.1"
nlu:
  - intent: ask_procedure
    examples: |
      - đăng ký [khai sinh](procedure:khai_sinh) cho cháu nội thì cần đem gì
      - lam [giay khai sinh](procedure:khai_sinh) o dau
  - intent: greet
    examples: |
      - em chào cô chú ở ủy ban
      - chao moi nguoi, em moi vao nhom
"""


@pytest.fixture
def model() -> Path:
    path = model_path()
    if not path.exists() or not RASA_BIN.exists():
        pytest.fail(f"No trained model at {path}: run `make train` (make test does it first).")
    return path


def test_eval_without_a_model_says_how_to_fix_it(tmp_path: Path) -> None:
    data = tmp_path / "held_out.yml"
    data.write_text(HELD_OUT, encoding="utf-8")
    result = runner.invoke(app, ["nlu", "eval", str(data), "--model", str(tmp_path / "missing.tar.gz")])
    assert result.exit_code == 2
    assert "Chưa có mô hình" in result.output and "xaso train" in result.output


@pytest.mark.rasa  # the trained model's path must exist
def test_eval_with_missing_data_is_a_clear_error(tmp_path: Path, model: Path) -> None:
    result = runner.invoke(app, ["nlu", "eval", str(tmp_path / "nope.yml"), "--model", str(model)])
    assert result.exit_code == 2
    assert "Không tìm thấy dữ liệu" in result.output


@pytest.mark.rasa
@pytest.mark.slow
def test_eval_prints_tables_split_by_diacritics_and_writes_json(
    tmp_path: Path, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rich reads COLUMNS once, when the module's console is made: an xdist worker has made it 80 columns wide by then.
    monkeypatch.setattr(nlu_cli.console, "width", 200)
    data = tmp_path / "held_out.yml"
    data.write_text(HELD_OUT, encoding="utf-8")
    out = tmp_path / "report.json"
    args = ["nlu", "eval", str(data), "--model", str(model), "--json", str(out)]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for heading in ("Độ chính xác ý định", "Macro-F1", "Có dấu", "Không dấu", "Từng ý định", "Từng loại thực thể"):
        assert heading in result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["all"]["intent"]["n"] == 4
    assert report["with_diacritics"]["intent"]["n"] == 2
    assert report["without_diacritics"]["intent"]["n"] == 2
    assert report["all"]["intent"]["accuracy"] == 1.0
    assert report["all"]["entities"]["per_entity"]["procedure"]["recall"] == 1.0


@pytest.mark.rasa
@pytest.mark.slow
def test_parse_prints_intent_and_canonical_entities(model: Path) -> None:
    result = runner.invoke(app, ["nlu", "parse", "lam gks can giay to gi", "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert "ask_procedure" in result.output
    assert "khai_sinh" in result.output


def test_parse_rejects_blank_text() -> None:
    result = runner.invoke(app, ["nlu", "parse", "   "])
    assert result.exit_code == 2
    assert "rỗng" in result.output
