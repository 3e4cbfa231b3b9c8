"""``xaso run``: prepare everything on embedded defaults and start Rasa, actions and the gateway under honcho (one
process stopping stops them all: the development behaviour).

``xaso run --cluster`` (``make run-cluster``) starts the production shape instead: PostgreSQL and Redis (both must be
running; databases are created when missing), two Rasa replicas, the action server and two gateway workers, under
supervisord (cli/cluster.py, deploy/supervisord.conf), which restarts a process that dies and keeps the others running.
``XASO_RASA_MODEL`` names a trained model to serve as it is (no training step)."""

from __future__ import annotations

import os
import shutil

import typer
from rich.console import Console
from rich.table import Table

from api.config import PROJECT_ROOT, get_settings
from api.safety.reader import READER
from cli.cluster import ensure_databases, plan_from, run_dir, supervisor_config
from cli.db import prepare_database
from cli.envfile import ensure_env_file, read_env_file
from cli.train import model_is_current, run_training

console = Console()


def run(
    skip_train: bool = typer.Option(False, "--skip-train", help="Không huấn luyện lại dù dữ liệu đã đổi."),
    cluster: bool = typer.Option(
        False,
        "--cluster",
        help="Dạng triển khai thật: PostgreSQL (DATABASE_URL) + Redis (REDIS_URL), 2 Rasa, 2 tiến trình cổng.",
    ),
) -> None:
    """Chuẩn bị (bí mật, CSDL, dữ liệu mẫu, mô hình) rồi khởi động toàn bộ hệ thống. Ctrl-C để dừng."""
    added = ensure_env_file()
    if added:
        console.print(f"Đã tạo bí mật cục bộ trong .env: {', '.join(added)}")
    get_settings.cache_clear()
    settings = get_settings()
    if cluster:
        # supervisord does not read .env (honcho does): its values go into the environment, below what is set already.
        for name, value in read_env_file().items():
            os.environ.setdefault(name, value)
        plan = plan_from(settings.database_url, settings.redis_url, os.environ)
        os.environ.update(plan.environment())  # read by the settings below and by every process supervisord starts
        get_settings.cache_clear()
        settings = get_settings()
        console.print("[bold]0/3[/bold] PostgreSQL và Redis…")
        try:
            created = ensure_databases(plan)
        except Exception as exc:  # the message says which server and why (refused, auth)
            console.print(f"[red]Không kết nối được PostgreSQL ({plan.database_url}):[/red] {exc}")
            raise typer.Exit(2) from None
        console.print(f"    Đã tạo cơ sở dữ liệu: {', '.join(created)}" if created else "    Cơ sở dữ liệu đã có.")
    console.print("[bold]1/3[/bold] Cơ sở dữ liệu…")
    for line in prepare_database():
        console.print(f"    {line}")
    console.print("[bold]2/3[/bold] Mô hình Rasa…")
    chosen_model = os.environ.get("XASO_RASA_MODEL")
    if chosen_model:  # the operator's choice, served as it is (scripts/start-rasa.sh reads it too)
        if not os.path.isfile(chosen_model):
            console.print(f"[red]Không có mô hình ở XASO_RASA_MODEL={chosen_model}.[/red]")
            raise typer.Exit(2)
        console.print(f"    Dùng mô hình {chosen_model} (XASO_RASA_MODEL), không huấn luyện.")
    elif model_is_current():
        console.print("    Mô hình đã mới nhất, bỏ qua huấn luyện.")
    elif skip_train:
        console.print("    [yellow]Dữ liệu đã đổi nhưng bỏ qua huấn luyện (--skip-train).[/yellow]")
    else:
        run_training()
    console.print("    Bộ đọc tin khẩn cấp thứ hai (api/safety/reader.py)…")
    READER.wait()  # trained once per training text, cached under var/safety/: the gateway never waits for it
    console.print("[bold]3/3[/bold] Khởi động các dịch vụ (Ctrl-C để dừng tất cả)")
    console.print(_where_table(settings.public_base_url, settings.default_commune))
    os.chdir(PROJECT_ROOT)
    if cluster:
        _exec_supervisor()
    honcho = shutil.which("honcho", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("honcho")
    if honcho is None:
        console.print("[red]Không tìm thấy honcho.[/red] Chạy [bold]make venvs[/bold].")
        raise typer.Exit(2)
    os.execv(honcho, [honcho, "start", "-f", "Procfile", "-e", ".env"])


def cluster_env() -> None:
    """In ra môi trường của dạng cụm (DATABASE_URL, REDIS_URL, cổng) cho EnvironmentFile của systemd."""
    for name, value in read_env_file().items():  # as `xaso run --cluster` reads them: the environment first
        os.environ.setdefault(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    for name, value in plan_from(settings.database_url, settings.redis_url, os.environ).environment().items():
        typer.echo(f"{name}={value}")


def _exec_supervisor() -> None:
    """Become supervisord (so Ctrl-C and SIGTERM reach it): it starts, watches and restarts the cluster's processes."""
    supervisord = shutil.which("supervisord", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("supervisord")
    if supervisord is None:
        console.print("[red]Không tìm thấy supervisord.[/red] Chạy [bold]make venvs[/bold].")
        raise typer.Exit(2)
    where = run_dir(PROJECT_ROOT)
    (where / "log").mkdir(parents=True, exist_ok=True)
    os.environ["XASO_RUN_DIR"] = str(where.resolve())
    console.print(
        f"    Nhật ký từng tiến trình: {where}/log/ · trạng thái: "
        f"[bold].venv/bin/supervisorctl -s unix://{where.resolve()}/supervisor.sock status[/bold]"
    )
    os.execv(supervisord, [supervisord, "--nodaemon", "-c", str(supervisor_config(PROJECT_ROOT))])


def _where_table(base_url: str, commune: str) -> Table:
    table = Table(title="Xã Số đang chạy ở", show_header=True)
    table.add_column("Thành phần")
    table.add_column("Địa chỉ")
    rows = [
        ("Trang chủ + khung chat", f"{base_url}/"),
        ("Bảng điều khiển cán bộ", f"{base_url}/staff"),
        ("Tài liệu API (OpenAPI)", f"{base_url}/docs"),
        ("Trạng thái", f"{base_url}/health"),
        ("Phân tích câu (NLU, cần mã cán bộ/dịch vụ)", f"POST {base_url}/api/v1/nlu/parse"),
        ("Rasa (có token)", "http://127.0.0.1:5005"),
        ("Máy chủ action", "http://127.0.0.1:5055"),
        ("Xã mặc định", commune),
    ]
    for name, where in rows:
        table.add_row(name, where)
    return table
