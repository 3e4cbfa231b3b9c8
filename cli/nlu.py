"""``xaso nlu eval FILE_OR_DIR`` and ``xaso nlu parse "…"``.

Rasa lives in .venv-rasa, so both commands run ``bot/evaluation.py`` there as a subprocess and read its JSON lines
(progress, then the report); nothing here imports Rasa.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from api.config import PROJECT_ROOT
from cli.nlu_export import export_command
from cli.nlu_report import render_report
from cli.train import MODEL_PATH, rasa_env

console = Console()
app = typer.Typer(help="Đánh giá và thử mô hình hiểu ngôn ngữ (NLU).", no_args_is_help=True)
app.command("export")(export_command)

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
DEFAULT_TEST_DATA = PROJECT_ROOT / "nlu_data" / "test" / "nlu"
# The held-out sets, never trained on: the short messages (issue 2) and the long real-style ones (issue 12).
HELD_OUT_SETS = {"short": DEFAULT_TEST_DATA, "long": PROJECT_ROOT / "nlu_data" / "test" / "long"}


class EvaluationError(RuntimeError):
    """The evaluation subprocess failed; the message says why."""


def _check_inputs(model: Path, data: Path | None = None) -> None:
    if not RASA_PYTHON.exists():
        raise EvaluationError("Chưa có môi trường Rasa (.venv-rasa): chạy `make venvs` rồi thử lại.")
    if not model.exists():
        raise EvaluationError(f"Chưa có mô hình tại {model}: chạy `xaso train` (hoặc chỉ định --model).")
    if data is not None and not data.exists():
        raise EvaluationError(f"Không tìm thấy dữ liệu kiểm thử: {data}")


def run_helper(
    args: list[str], on_line: Callable[[dict[str, Any]], None] | None = None, *, timeout: float = 1800
) -> dict[str, Any]:
    """Run ``python -m bot.evaluation ARGS`` in .venv-rasa; return its last JSON line, pass earlier ones on."""
    command = [str(RASA_PYTHON), "-W", "ignore", "-m", "bot.evaluation", *args]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=rasa_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    last: dict[str, Any] = {}
    for line in process.stdout:
        if not line.startswith("{"):
            continue
        last = json.loads(line)
        if on_line is not None:
            on_line(last)
    stderr = process.stderr.read()
    code = process.wait(timeout=timeout)
    if "error" in last:
        raise EvaluationError(str(last["error"]))
    if code != 0 or not last:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise EvaluationError(f"Tiến trình đánh giá thất bại (mã {code}):\n{tail}")
    return last


def evaluate(model: Path, data: Path, on_progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    _check_inputs(model, data)

    def relay(line: dict[str, Any]) -> None:
        if on_progress is not None and "progress" in line:
            on_progress(int(line["progress"]), int(line["total"]))

    report: dict[str, Any] = run_helper(["eval", str(model), str(data)], relay)["report"]
    return report


def parse_text(model: Path, text: str) -> dict[str, Any]:
    _check_inputs(model)
    result: dict[str, Any] = run_helper(["parse", str(model), text])["parse"]
    return result


@app.command("eval")
def eval_command(
    data: Path | None = typer.Argument(
        None, help="Tệp hoặc thư mục dữ liệu NLU (YAML); bỏ trống: cả hai tập kiểm thử (câu ngắn, câu dài)."
    ),
    model: Path = typer.Option(MODEL_PATH, "--model", "-m", help="Mô hình Rasa (.tar.gz)."),
    json_out: Path | None = typer.Option(None, "--json", help="Ghi toàn bộ kết quả ra tệp JSON."),
    errors: bool = typer.Option(False, "--errors", help="In các câu bị đoán sai ý định."),
) -> None:
    """Độ chính xác ý định, macro-F1, P/R từng ý định, cặp nhầm lẫn, thực thể — tách câu có dấu / không dấu."""
    sets = {data.name: data} if data is not None else HELD_OUT_SETS
    reports = {name: _eval_one(path, model, errors) for name, path in sets.items()}
    if json_out is not None:
        payload = next(iter(reports.values())) if data is not None else reports
        json_out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        console.print(f"Đã ghi kết quả: {json_out}")


def _eval_one(data: Path, model: Path, errors: bool) -> dict[str, Any]:
    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task("Nạp mô hình và dữ liệu", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, description="Phân tích câu kiểm thử", completed=done, total=total)

            report = evaluate(model, data, advance)
    except EvaluationError as exc:
        console.print(f"[red]Lỗi:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    render_report(console, report, title=f"{data} — mô hình {model.name}", show_errors=errors)
    return report


@app.command("parse")
def parse_command(
    text: str = typer.Argument(..., help="Câu cần phân tích."),
    model: Path = typer.Option(MODEL_PATH, "--model", "-m", help="Mô hình Rasa (.tar.gz)."),
) -> None:
    """Phân tích một câu: ý định, độ tin cậy, thực thể (giá trị chuẩn hoá)."""
    if not text.strip():
        console.print("[red]Lỗi:[/red] câu cần phân tích đang rỗng.")
        raise typer.Exit(2)
    try:
        with console.status("Đang nạp mô hình…"):
            result = parse_text(model, text)
    except EvaluationError as exc:
        console.print(f"[red]Lỗi:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    intent = result.get("intent") or {}
    console.print(f"[bold]Ý định:[/bold] {intent.get('name')} ({float(intent.get('confidence') or 0):.3f})")
    for entity in result.get("entities", []):
        span = f"[{entity.get('start')}:{entity.get('end')}]"
        console.print(f"  [cyan]{entity['entity']}[/cyan] = {entity['value']} {span}", highlight=False)
    console.print_json(json.dumps(result, ensure_ascii=False))
