"""``xaso train``: train the Rasa model when the training data or bot config changed (content hash); a new model is
promoted only if it does not regress on the held-out sets (cli/gate.py), then loaded into the running Rasa."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from api.config import PROJECT_ROOT
from cli import gate as gate_module
from cli.gate import DEFAULT_TOLERANCE

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
# ``--finetune``: the model in use trained further on the changed data for this share of its epochs (Rasa's incremental
# training: the same config and domain, new examples of known intents — what a review round adds). A fifth of DIET's
# epochs takes about a minute instead of four; the gate still decides whether it replaces the model in use.
FINETUNE_EPOCH_FRACTION = 0.2
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


def _train_command(
    data_root: Path = PROJECT_ROOT, out_dir: Path = MODELS_DIR, name: str = MODEL_NAME, base: Path | None = None
) -> list[str]:
    command = [
        str(RASA_BIN), "train",
        "--config", "bot/config.yml",
        "--domain", "bot/domain",
        "--out", str(out_dir),
        "--fixed-model-name", name,
        "--data", *[str(p) for p in training_data_dirs(data_root)],
    ]  # fmt: skip
    if base is not None:
        command += ["--finetune", str(base), "--epoch-fraction", str(FINETUNE_EPOCH_FRACTION)]
    return command


def run_training(
    data_root: Path = PROJECT_ROOT, out_dir: Path = MODELS_DIR, name: str = MODEL_NAME, base: Path | None = None
) -> Path:
    """Train on ``data_root/nlu_data`` (held-out test/ excluded) into ``out_dir/name.tar.gz``; with ``base``, fine-tune
    that model instead of training from scratch."""
    if not RASA_BIN.exists():
        console.print("[red]Chưa có môi trường Rasa (.venv-rasa).[/red] Chạy [bold]make venvs[/bold] rồi thử lại.")
        raise typer.Exit(2)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = out_dir / f"{name}.tar.gz"
    log_path = LOG_PATH if out_dir == MODELS_DIR else out_dir / "train.log"  # a scratch training keeps its own log
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log, _progress() as progress:
        task = progress.add_task("Chuẩn bị dữ liệu huấn luyện", total=100)
        process = subprocess.Popen(
            _train_command(data_root, out_dir, name, base), cwd=PROJECT_ROOT, env=rasa_env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1,
        )  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            _report(progress, task, line)
        code = process.wait()
    if code != 0 or not model.exists():
        _explain_failure(code, log_path, finetuning=base is not None)
        raise typer.Exit(1)
    if model == MODEL_PATH and data_root == PROJECT_ROOT:  # `xaso run`: the model in use, trained in place
        FINGERPRINT_PATH.write_text(fingerprint() + "\n")
    return model


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


def _explain_failure(code: int, log_path: Path = LOG_PATH, *, finetuning: bool = False) -> None:
    tail = log_path.read_text(encoding="utf-8").splitlines()[-25:]
    console.print(f"[red]Huấn luyện thất bại (mã {code}).[/red] 25 dòng cuối của {log_path}:")
    for line in tail:
        console.print(f"  {line}", markup=False, highlight=False)
    console.print(
        "Cách sửa: chạy [bold].venv-rasa/bin/rasa data validate --domain bot/domain --data nlu_data "
        "--config bot/config.yml[/bold] để xem lỗi dữ liệu (YAML, intent/entity chưa khai báo); "
        "nếu thiếu thư viện, chạy [bold]make venvs[/bold]."
    )
    if finetuning:
        console.print(
            "Tinh chỉnh chỉ dùng được khi cấu hình (bot/config.yml) và domain không đổi, và dữ liệu chỉ thêm ví dụ "
            "cho ý định đã có: chạy lại [bold]xaso train[/bold] không có --finetune để huấn luyện lại từ đầu."
        )


def train(
    force: bool = typer.Option(False, "--force", "-f", help="Huấn luyện lại kể cả khi dữ liệu không đổi."),
    data_root: Path = typer.Option(PROJECT_ROOT, "--data-root", help="Thư mục chứa nlu_data/ (mặc định: dự án)."),
    models_dir: Path = typer.Option(MODELS_DIR, "--models-dir", help="Thư mục mô hình (xaso.tar.gz là mô hình dùng)."),
    candidate: Path | None = typer.Option(None, "--candidate", help="Không huấn luyện: đưa mô hình có sẵn qua cổng."),
    gate: bool = typer.Option(True, "--gate/--no-gate", help="So với mô hình hiện hành trên các tập giữ riêng."),
    tolerance: float = typer.Option(DEFAULT_TOLERANCE, "--tolerance", help="Mức giảm cho phép (điểm phần trăm)."),
    swap: bool = typer.Option(True, "--swap/--no-swap", help="Nạp mô hình mới vào Rasa đang chạy (PUT /model)."),
    rasa_url: str | None = typer.Option(None, "--rasa-url", help="Rasa (mặc định XASO_RASA_URL; nhiều bản: dấu phẩy)."),
    finetune: bool = typer.Option(
        False,
        "--finetune",
        help="Huấn luyện nhanh: tinh chỉnh mô hình hiện hành trên dữ liệu mới (sau một đợt sửa nhãn).",
    ),
) -> None:
    """Huấn luyện, kiểm tra không giảm chất lượng trên các tập giữ riêng, rồi nạp mô hình mới không cần khởi động."""
    current = models_dir / f"{MODEL_NAME}.tar.gz"
    default_place = data_root == PROJECT_ROOT and models_dir == MODELS_DIR
    if candidate is None:
        if default_place and not force and model_is_current():
            console.print(
                f"[green]Mô hình đã mới nhất[/green] ({MODEL_PATH.relative_to(PROJECT_ROOT)}), bỏ qua huấn luyện."
            )
            return
        if finetune and not current.exists():
            console.print(
                f"[red]Chưa có mô hình hiện hành ({current}) để tinh chỉnh:[/red] chạy xaso train không có --finetune."
            )
            raise typer.Exit(2)
        how = "tinh chỉnh mô hình hiện hành" if finetune else "dữ liệu hoặc cấu hình đã thay đổi"
        console.print(f"[bold]Huấn luyện mô hình Rasa[/bold] ({how})…")
        name = f"candidate-{fingerprint(data_root)[:12]}"
        candidate = run_training(data_root, models_dir, name, current if finetune else None)
        console.print(f"Đã huấn luyện: {candidate}")
    elif not candidate.exists():
        console.print(f"[red]Không có mô hình {candidate}[/red]")
        raise typer.Exit(2)
    if gate and current.exists() and candidate.resolve() != current.resolve():
        _gate_or_exit(current, candidate, data_root / "nlu_data", tolerance)
    elif gate:
        console.print("Chưa có mô hình hiện hành để so sánh: dùng mô hình mới.")
    promoted = _promote(candidate, current)
    if default_place:
        FINGERPRINT_PATH.write_text(fingerprint() + "\n")
    console.print(f"[green]Đang dùng mô hình mới:[/green] {promoted}")
    if swap:
        _swap_or_exit(promoted, rasa_url)


def _gate_or_exit(current: Path, candidate: Path, data_dir: Path, tolerance: float) -> None:
    from cli.nlu import EvaluationError, run_helper

    sets = gate_module.held_out_sets(data_dir)
    try:
        with console.status("Chấm điểm mô hình hiện hành và mô hình mới trên các tập giữ riêng…"):
            scores = gate_module.score(run_helper, current, candidate, sets, current.parent / "gate-scores.json")
    except EvaluationError as exc:
        console.print(f"[red]Không chấm điểm được:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    checks = gate_module.compare(scores, tolerance)
    gate_module.render(console, checks, scores)
    failed = gate_module.reasons(checks)
    if failed:
        console.print("[red bold]Không dùng mô hình mới[/red bold] — chất lượng giảm:")
        for reason in failed:
            console.print(f"  - {reason}", highlight=False)
        console.print(f"Mô hình hiện hành giữ nguyên ({current}); mô hình bị từ chối để xem lại: {candidate}")
        options = "" if data_dir == PROJECT_ROOT / "nlu_data" else f" --data-root {data_dir.parent}"
        options += "" if current.parent == MODELS_DIR else f" --models-dir {current.parent}"
        for line in gate_module.advice(checks, candidate, options=options):
            console.print(line, highlight=False, markup=False)
        raise typer.Exit(1)
    console.print("[green]Cổng đạt:[/green] không giảm trên tập nào.")


def _promote(candidate: Path, current: Path) -> Path:
    """The candidate becomes ``xaso.tar.gz``; the model it replaces stays as ``xaso.previous.tar.gz``."""
    if current.exists() and candidate.resolve() != current.resolve():
        shutil.copy2(current, current.with_name(f"{MODEL_NAME}.previous.tar.gz"))
    if candidate.resolve() != current.resolve():
        shutil.copy2(candidate, current.with_suffix(".tmp"))
        os.replace(current.with_suffix(".tmp"), current)
        if candidate.name.startswith("candidate-"):
            candidate.unlink()
    return current


def _swap_or_exit(model: Path, rasa_url: str | None) -> None:
    from api.config import get_settings

    settings = get_settings()
    with console.status("Nạp mô hình mới vào Rasa đang chạy…"):
        results = gate_module.swap(
            model, rasa_url=rasa_url or settings.rasa_url, token=settings.rasa_token.get_secret_value()
        )
    for result in results:
        colour = "green" if result.ok else "yellow"
        console.print(f"  Rasa {result.url}: [{colour}]{result.detail}[/{colour}]", highlight=False)
    if any(not r.ok and not r.detail.startswith("không chạy") for r in results):
        # The model is promoted either way: a Rasa that refused the swap loads it when it restarts.
        console.print(
            "[yellow]Rasa chưa nạp mô hình mới[/yellow] (kiểm tra XASO_RASA_URL, XASO_RASA_TOKEN); "
            "mô hình sẽ được dùng khi Rasa khởi động lại."
        )
