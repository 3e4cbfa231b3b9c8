"""``xaso train``: train the Rasa model when the training data or bot config changed (content hash)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from api.config import PROJECT_ROOT

console = Console()

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS_DIR = PROJECT_ROOT / "models"
MODEL_NAME = "xaso"
MODEL_PATH = MODELS_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_PATH = MODELS_DIR / f"{MODEL_NAME}.fingerprint"
LOG_PATH = PROJECT_ROOT / "var" / "logs" / "train.log"
# What the model is built from. nlu_data/test/ is held out and never trained on.
HASHED = ("bot", "nlu_data", "requirements/rasa.lock.txt")
HASH_EXCLUDED_PARTS = {"__pycache__", "test", ".rasa", "models"}
_EPOCH_RE = re.compile(r"Epochs:\s+(\d+)%")
_STAGE_RE = re.compile(r"(Starting to train component '?([\w]+)'?|Training|Finished training component '?(\w+)'?)")


def training_data_dirs(root: Path = PROJECT_ROOT) -> list[Path]:
    data = root / "nlu_data"
    return sorted(p for p in data.iterdir() if p.is_dir() and p.name != "test")


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for name in HASHED:
        base = root / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(root)
            if HASH_EXCLUDED_PARTS & set(relative.parts[1:]) or path.suffix == ".pyc":
                continue
            digest.update(str(relative).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def model_is_current(root: Path = PROJECT_ROOT) -> bool:
    return (
        MODEL_PATH.exists() and FINGERPRINT_PATH.exists() and FINGERPRINT_PATH.read_text().strip() == fingerprint(root)
    )


def rasa_env() -> dict[str, str]:
    """Environment for Rasa processes: our components importable, TensorFlow quiet, no telemetry."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def _train_command() -> list[str]:
    command = [
        str(RASA_BIN), "train",
        "--config", "bot/config.yml",
        "--domain", "bot/domain",
        "--out", str(MODELS_DIR),
        "--fixed-model-name", MODEL_NAME,
        "--data", *[str(p.relative_to(PROJECT_ROOT)) for p in training_data_dirs()],
    ]  # fmt: skip
    return command


def run_training() -> None:
    if not RASA_BIN.exists():
        console.print("[red]Chưa có môi trường Rasa (.venv-rasa).[/red] Chạy [bold]make venvs[/bold] rồi thử lại.")
        raise typer.Exit(2)
    MODELS_DIR.mkdir(exist_ok=True)
    LOG_PATH.parent.mkdir(parents=True, exist_ok=True)
    with LOG_PATH.open("w", encoding="utf-8") as log, _progress() as progress:
        task = progress.add_task("Chuẩn bị dữ liệu huấn luyện", total=100)
        process = subprocess.Popen(
            _train_command(), cwd=PROJECT_ROOT, env=rasa_env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1,
        )  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            _report(progress, task, line)
        code = process.wait()
    if code != 0 or not MODEL_PATH.exists():
        _explain_failure(code)
        raise typer.Exit(1)
    FINGERPRINT_PATH.write_text(fingerprint() + "\n")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=console, transient=False,
    )  # fmt: skip


def _report(progress: Progress, task: object, line: str) -> None:
    epoch = _EPOCH_RE.search(line)
    stage = _STAGE_RE.search(line)
    if epoch:
        progress.update(task, completed=int(epoch.group(1)))  # type: ignore[arg-type]
    elif stage and (component := stage.group(2)):
        progress.update(task, description=f"Huấn luyện {component}", completed=0)  # type: ignore[arg-type]
        if not console.is_terminal:  # CI logs get no live bar: say each step on its own line
            console.print(f"  … {component}")


def _explain_failure(code: int) -> None:
    tail = LOG_PATH.read_text(encoding="utf-8").splitlines()[-25:]
    console.print(f"[red]Huấn luyện thất bại (mã {code}).[/red] 25 dòng cuối của {LOG_PATH}:")
    for line in tail:
        console.print(f"  {line}", markup=False, highlight=False)
    console.print(
        "Cách sửa: chạy [bold].venv-rasa/bin/rasa data validate --domain bot/domain --data nlu_data "
        "--config bot/config.yml[/bold] để xem lỗi dữ liệu (YAML, intent/entity chưa khai báo); "
        "nếu thiếu thư viện, chạy [bold]make venvs[/bold]."
    )


def train(
    force: bool = typer.Option(False, "--force", "-f", help="Huấn luyện lại kể cả khi dữ liệu không đổi."),
) -> None:
    """Huấn luyện mô hình Rasa nếu nlu_data/ hoặc bot/ đã thay đổi (so sánh mã băm nội dung)."""
    if not force and model_is_current():
        console.print(
            f"[green]Mô hình đã mới nhất[/green] ({MODEL_PATH.relative_to(PROJECT_ROOT)}), bỏ qua huấn luyện."
        )
        return
    console.print("[bold]Huấn luyện mô hình Rasa[/bold] (dữ liệu hoặc cấu hình đã thay đổi)…")
    run_training()
    console.print(f"[green]Đã huấn luyện xong:[/green] {MODEL_PATH.relative_to(PROJECT_ROOT)}")
