"""``xaso facts check`` as operators and CI run it: the installed command in a subprocess on the real knowledge base,
and the same Typer app in-process (CliRunner, a second each) on frozen dates and on broken copies of the base."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
XASO = ROOT / ".venv" / "bin" / "xaso"


class Result:
    def __init__(self, returncode: int, stdout: str) -> None:
        self.returncode, self.stdout = returncode, stdout


def run(*args: str, today: str | None = None) -> Result:
    """In-process, as the installed command dispatches it; ``today`` goes through XASO_TODAY like the bot's clock."""
    result = CliRunner().invoke(app, ["facts", "check", *args], env={"XASO_TODAY": today, "COLUMNS": "200"})
    return Result(result.exit_code, result.output)


def run_installed(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("XASO_TODAY", None)
    return subprocess.run([str(XASO), "facts", "check", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_the_knowledge_base_passes_and_lists_ages_expiries_and_uncited_bases() -> None:
    result = run_installed("--today", "2026-12-07")  # the day the online levels were reviewed (#24)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Dữ kiện theo tuổi rà soát (ngày 07/12/2026)" in out and "cham_dut_giam_ho" in out
    assert "Hết hiệu lực trong 30 ngày tới (0)" in out
    assert "Căn cứ chưa dẫn tới điều" in out and "Thông tư 117/2026/TT-BTC" in out
    assert "Mọi dữ kiện có căn cứ và ngày rà soát còn hạn." in out
    # Not asserted on the real today: a review falling due must reach staff (/staff/facts, this command's exit code
    # for the operator), not fail an unrelated CI run months later.


def test_expiring_within_30_days_follows_the_frozen_clock() -> None:
    result = run(today="2027-02-10")  # XASO_TODAY, as the bot and the console read it
    assert "(ngày 10/02/2027)" in result.stdout and "XASO_TODAY=2027-02-10: ngày đang bị cố định" in result.stdout
    assert "trich_luc_ho_tich.fee hiệu lực tới 28/02/2027" in result.stdout
    assert "cu_tru.fee rà soát trước 15/02/2027" in result.stdout
    ended = run(today="2027-03-01")  # the civil-status facts end with the reported new law: a review is due
    assert ended.returncode == 1 and "khai_sinh.deadline" in ended.stdout
    assert "hết hiệu lực, chưa có phiên bản thay thế" in ended.stdout
    assert "trich_luc_ho_tich.fee" not in ended.stdout.split("LỖI")[-1]  # the waiver's end has its successor


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "knowledge" / "procedures", tmp_path / "procedures")
    return tmp_path


def test_a_fact_without_basis_or_review_date_fails(tmp_path: Path) -> None:
    for field in ("basis", "reviewed_on"):
        folder = _copy(tmp_path / field)
        path = folder / "procedures" / "ket_hon.yml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        del doc["facts"]["fee"][field]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        result = run("--dir", str(folder), "--today", "2026-12-06")
        assert result.returncode == 1, result.stdout
        assert "ket_hon.yml" in result.stdout and field in result.stdout


def test_an_uncited_basis_without_a_note_and_an_overdue_review_fail(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "procedures" / "ket_hon.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["facts"]["fee"]["basis"] = ["Luật Hộ tịch 2014"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = run("--dir", str(folder), "--today", "2026-12-06")
    assert result.returncode == 1 and "KHÔNG có ghi chú" in result.stdout and "ket_hon.fee" in result.stdout
    result = run("--today", "2027-12-07")  # the real base a year on: reviews are overdue
    assert result.returncode == 1 and "quá hạn rà soát 06/12/2027" in result.stdout
